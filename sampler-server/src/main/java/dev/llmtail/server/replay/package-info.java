@NullMarked
package dev.llmtail.server.replay;

import org.jspecify.annotations.NullMarked;
