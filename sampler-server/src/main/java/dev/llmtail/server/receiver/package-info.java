@NullMarked
package dev.llmtail.server.receiver;

import org.jspecify.annotations.NullMarked;
