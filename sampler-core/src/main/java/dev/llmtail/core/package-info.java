@NullMarked
package dev.llmtail.core;

import org.jspecify.annotations.NullMarked;
