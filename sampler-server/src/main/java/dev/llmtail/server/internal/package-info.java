@NullMarked
package dev.llmtail.server.internal;

import org.jspecify.annotations.NullMarked;
