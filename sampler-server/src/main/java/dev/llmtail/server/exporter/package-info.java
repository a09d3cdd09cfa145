@NullMarked
package dev.llmtail.server.exporter;

import org.jspecify.annotations.NullMarked;
