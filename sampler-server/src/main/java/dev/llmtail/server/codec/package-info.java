@NullMarked
package dev.llmtail.server.codec;

import org.jspecify.annotations.NullMarked;
