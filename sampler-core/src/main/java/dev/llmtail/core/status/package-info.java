@NullMarked
package dev.llmtail.core.status;

import org.jspecify.annotations.NullMarked;
