@NullMarked
package dev.llmtail.core.log;

import org.jspecify.annotations.NullMarked;
