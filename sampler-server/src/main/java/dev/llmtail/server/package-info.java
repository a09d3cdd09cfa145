@NullMarked
package dev.llmtail.server;

import org.jspecify.annotations.NullMarked;
