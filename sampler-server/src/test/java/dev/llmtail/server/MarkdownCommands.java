package dev.llmtail.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shell commands of a Markdown file, as a reader would copy them: every line of a {@code sh}
 * block (a trailing {@code \} joins the next line, a {@code # comment} is cut, {@code a && b} is
 * two commands) and every inline code span that starts with a command word, and the file's fenced
 * blocks, for the outputs they show.
 */
final class MarkdownCommands {

  /** One command: where it is written and its text, whitespace collapsed. */
  record Command(String file, int line, String text) {
    String where() {
      return file + ":" + line;
    }

    @Override
    public String toString() {
      return where() + ": " + text;
    }
  }

  /**
   * A fenced block: its info string ("sh", "yaml", "" for none), first line of content, content.
   */
  record Block(String file, int line, String language, String content) {}

  private static final Set<String> SHELL = Set.of("sh", "bash", "shell", "console");
  private static final Pattern FENCE = Pattern.compile("^\\s*```\\s*(\\S*)\\s*$");
  private static final Pattern INLINE_CODE = Pattern.compile("`([^`]+)`");

  /**
   * What an inline code span starts with, after VAR=value assignments, to be a command; {@code
   * llmtail NAME} is the docs' short form of the jar (not a log line such as {@code llmtail
   * stopped;}).
   */
  private static final Pattern INLINE_COMMAND =
      Pattern.compile(
          "(?:[A-Z_][A-Z0-9_]*=\\S+ )*(?:(?:curl|java|\\./mvnw|docker|kubectl) .*|llmtail [a-z][a-z-]*(?: .*)?)");

  private final String file;
  private final List<String> lines;

  private MarkdownCommands(String file, List<String> lines) {
    this.file = file;
    this.lines = lines;
  }

  /** Reads {@code doc}; commands are reported against {@code name} (e.g. "docs/deploy.md"). */
  static MarkdownCommands read(Path doc, String name) {
    try {
      return new MarkdownCommands(name, Files.readAllLines(doc));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every fenced block, in order. */
  List<Block> blocks() {
    List<Block> blocks = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher open = FENCE.matcher(lines.get(i));
      if (!open.matches()) {
        continue;
      }
      int first = i + 1;
      int end = first;
      while (end < lines.size() && !lines.get(end).strip().equals("```")) {
        end++;
      }
      blocks.add(
          new Block(file, first + 1, open.group(1), String.join("\n", lines.subList(first, end))));
      i = end;
    }
    return blocks;
  }

  /** Every command, fenced and inline, in the order they are written. */
  List<Command> commands() {
    List<Command> commands = new ArrayList<>();
    boolean[] fenced = new boolean[lines.size()];
    for (Block block : blocks()) {
      int count = block.content().isEmpty() ? 0 : block.content().split("\n", -1).length;
      for (int i = block.line() - 2; i <= block.line() - 1 + count && i < lines.size(); i++) {
        fenced[i] = true;
      }
      if (SHELL.contains(block.language())) {
        commands.addAll(shellLines(block));
      }
    }
    StringBuilder prose = new StringBuilder();
    for (int i = 0; i < lines.size(); i++) {
      prose.append(fenced[i] ? "" : lines.get(i)).append('\n');
    }
    Matcher code = INLINE_CODE.matcher(prose);
    while (code.find()) {
      String text = collapse(code.group(1));
      if (!code.group(1).contains("\n\n") && INLINE_COMMAND.matcher(text).matches()) {
        int line =
            (int) prose.substring(0, code.start()).chars().filter(c -> c == '\n').count() + 1;
        commands.add(new Command(file, line, text));
      }
    }
    commands.sort((a, b) -> Integer.compare(a.line(), b.line()));
    return commands;
  }

  private List<Command> shellLines(Block block) {
    List<Command> commands = new ArrayList<>();
    String[] content = block.content().split("\n", -1);
    for (int i = 0; i < content.length; i++) {
      int line = block.line() + i;
      StringBuilder text = new StringBuilder(content[i].strip());
      while (text.toString().endsWith("\\") && i + 1 < content.length) {
        text.setLength(text.length() - 1);
        text.append(' ').append(content[++i].strip());
      }
      String command = ShellWords.withoutComment(text.toString().replaceFirst("^\\$ ", ""));
      for (String part : command.split(" && ", -1)) {
        if (!part.isBlank()) {
          commands.add(new Command(file, line, collapse(part)));
        }
      }
    }
    return commands;
  }

  private static String collapse(String s) {
    return s.strip().replaceAll("\\s+", " ");
  }
}
