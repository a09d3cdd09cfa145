@NullMarked
package dev.llmtail.server.tls;

import org.jspecify.annotations.NullMarked;
