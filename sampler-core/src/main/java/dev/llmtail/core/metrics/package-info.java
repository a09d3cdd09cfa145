@NullMarked
package dev.llmtail.core.metrics;

import org.jspecify.annotations.NullMarked;
