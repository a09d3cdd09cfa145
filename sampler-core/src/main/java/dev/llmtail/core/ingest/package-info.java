@NullMarked
package dev.llmtail.core.ingest;

import org.jspecify.annotations.NullMarked;
