@NullMarked
package dev.llmtail.server.storage;

import org.jspecify.annotations.NullMarked;
