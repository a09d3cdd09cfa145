@NullMarked
package dev.llmtail.server.admin;

import org.jspecify.annotations.NullMarked;
