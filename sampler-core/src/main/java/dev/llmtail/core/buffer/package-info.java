@NullMarked
package dev.llmtail.core.buffer;

import org.jspecify.annotations.NullMarked;
