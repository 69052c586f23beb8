package dev.cinnabar.server.command.server;

import java.util.List;

/**
 * Filled ASCII sparklines as LATENCY GRAPH draws them (Redis 7.0's layout): each sample is one
 * column of {@code rows} lines; a column's height is its value's place between the sequence's
 * minimum and maximum in {@code rows * 3} steps, the top line of a column showing one of
 * {@code _ o #} and the lines below it {@code |}. When any sample has a label, a blank line and
 * then the labels, written downwards one character per line, follow the chart. Sequences wider
 * than {@code columns} are drawn in blocks of that many columns separated by an empty line.
 */
final class Sparkline {
    private static final char[] TOPS = {'_', 'o', '#'};

    /** One column: its value and an optional label (null or empty for none). */
    record Sample(double value, String label) {
        boolean labelled() {
            return label != null && !label.isEmpty();
        }
    }

    private Sparkline() {
    }

    static String render(List<Sample> samples, int columns, int rows) {
        StringBuilder out = new StringBuilder();
        if (samples.isEmpty()) {
            return "";
        }
        double min = samples.get(0).value();
        double max = min;
        boolean labels = false;
        for (Sample s : samples) {
            min = Math.min(min, s.value());
            max = Math.max(max, s.value());
            labels |= s.labelled();
        }
        int steps = TOPS.length * rows;
        double range = max == min ? 1 : max - min;
        for (int from = 0; from < samples.size(); from += columns) {
            if (from > 0) {
                out.append('\n');
            }
            List<Sample> block = samples.subList(from, Math.min(samples.size(), from + columns));
            int[] heights = new int[block.size()];
            int labelLines = 0;
            for (int j = 0; j < heights.length; j++) {
                Sample s = block.get(j);
                // Redis truncates the scaled value to an integer before dividing by the range.
                int h = (int) ((int) ((s.value() - min) * steps) / range);
                heights[j] = Math.max(0, Math.min(steps - 1, h));
                if (s.labelled()) {
                    labelLines = Math.max(labelLines, s.label().length());
                }
            }
            char[] line = new char[heights.length];
            for (int row = 0; row < rows; row++) {
                int below = (rows - row - 1) * TOPS.length;
                for (int j = 0; j < heights.length; j++) {
                    int level = heights[j] - below;
                    line[j] = level < 0 ? ' ' : level < TOPS.length ? TOPS[level] : '|';
                }
                out.append(line).append('\n');
            }
            if (labels) {
                out.append(" ".repeat(heights.length)).append('\n');
            }
            for (int k = 0; k < labelLines; k++) {
                for (int j = 0; j < heights.length; j++) {
                    String label = block.get(j).label();
                    line[j] = label != null && k < label.length() ? label.charAt(k) : ' ';
                }
                out.append(line).append('\n');
            }
        }
        return out.toString();
    }
}
