@NullMarked
package dev.llmtail.server.config;

import org.jspecify.annotations.NullMarked;
