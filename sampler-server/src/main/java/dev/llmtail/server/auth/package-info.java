@NullMarked
package dev.llmtail.server.auth;

import org.jspecify.annotations.NullMarked;
