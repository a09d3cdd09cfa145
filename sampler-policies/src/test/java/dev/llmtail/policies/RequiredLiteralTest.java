package dev.llmtail.policies;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequiredLiteralTest {

  private static final List<String> TEXTS =
      List.of(
          "",
          "Your order shipped yesterday.",
          "Run RM -RF / to clean up",
          "then rm  -rf the cache",
          "DROP TABLE users;",
          "please drop\tdatabase prod",
          "farm -rf is not a command",
          "dropping tables is fine",
          "colour color colr",
          "abc abd ab",
          "x = 1 | y");

  @Test
  void readsTheWordTheShippedPatternsStartWith() {
    for (String expression : SemanticFlagPolicy.DEFAULT_PATTERNS) {
      assertThat(RequiredLiteral.of(expression)).isNotNull();
    }
    RequiredLiteral rm = RequiredLiteral.of("(?i)\\brm\\s+-rf\\b");
    assertThat(rm.in("a long answer about orders")).isFalse();
    assertThat(rm.in("Then RM -rf it")).isTrue();
    assertThat(rm.in("Then rM -rf it")).isTrue();
    assertThat(rm.in("far")).isFalse(); // the text ends where the literal would go on
    assertThat(rm.in("r")).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "rm|drop",
        "(?i)rm|drop",
        "(?x)drop table",
        "(?iu)drop",
        "[Dd]rop",
        "\\Qdrop\\E",
        "a?b",
        "ab?",
        ".*drop"
      })
  void hasNoLiteralWhereTheStartDoesNotRequireOne(String expression) {
    assertThat(RequiredLiteral.of(expression)).isNull();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "(?i)\\brm\\s+-rf\\b",
        "(?i)\\bdrop\\s+(table|database)\\b",
        "colou?r",
        "abc?",
        "ab{0,1}c",
        "drop(s)?",
        "(?i)drop(ping)? tables?",
        "ab+d",
        "x = 1 \\| y"
      })
  void neverStopsTextThePatternMatches(String expression) {
    Pattern pattern = Pattern.compile(expression);
    RequiredLiteral literal = RequiredLiteral.of(expression);
    for (String text : TEXTS) {
      if (pattern.matcher(text).find()) {
        assertThat(literal == null || literal.in(text))
            .as("'%s' matches %s", text, expression)
            .isTrue();
      }
    }
  }
}
