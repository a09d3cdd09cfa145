@NullMarked
package dev.llmtail.testing;

import org.jspecify.annotations.NullMarked;
