//! The part of a long source text that the source panel's textarea holds.
//!
//! A browser lays out all of a textarea's text whenever it changes: a 1.4 MB dump (143,000
//! lines) cost the page's thread 600 to 800 ms of layout, one task, each time it was pasted. The
//! source panel therefore puts a window of lines in the textarea, over a sheet as tall as the
//! whole text, and moves the window as the panel scrolls. A text of up to [`WHOLE`] lines is
//! always shown whole, so it edits exactly as a plain textarea does.
//!
//! This module holds the arithmetic, which knows nothing of the DOM: where a window of lines
//! starts and ends in the text, how an edit inside it changes the text, and the conversions
//! between a textarea's UTF-16 offsets and the text's byte offsets.

/// A text of up to this many lines is shown whole.
pub const WHOLE: usize = 600;
/// The lines the textarea holds when the text is longer.
pub const WINDOW: usize = 400;
/// The window moves when the view comes this many lines from one of its ends.
pub const MARGIN: usize = 40;
/// A paste that leaves the text longer than this many bytes goes into the text without passing
/// through the textarea (which would lay it all out); a shorter one is left to the browser.
pub const BIG: usize = 64 * 1024;

/// Lines `first..first + lines` of a text, at bytes `start..end`. `end` stops before the
/// newline that ends the window's last line, so the textarea shows no empty line after it;
/// `below` counts the lines after the window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Window {
    pub first: usize,
    pub lines: usize,
    pub start: usize,
    pub end: usize,
    pub below: usize,
}

impl Window {
    /// The whole of `text`.
    pub fn whole(text: &str) -> Window {
        Window { first: 0, lines: line_count(text), start: 0, end: text.len(), below: 0 }
    }

    /// `lines` lines from line `first` (both clamped to the text).
    pub fn lines(text: &str, first: usize, lines: usize) -> Window {
        let total = line_count(text);
        let lines = lines.clamp(1, total);
        let first = first.min(total - lines);
        let start = line_start(text, first);
        let end = match nth_newline(&text[start..], lines - 1) {
            Some(at) => start + at,
            None => text.len(),
        };
        Window { first, lines, start, end, below: total - first - lines }
    }

    /// The window to show for `text` with line `line` in view: the whole text when it is short,
    /// otherwise [`WINDOW`] lines with `line` in their middle.
    pub fn around(text: &str, line: usize) -> Window {
        if line_count(text) <= WHOLE {
            Window::whole(text)
        } else {
            Window::lines(text, line.saturating_sub(WINDOW / 2), WINDOW)
        }
    }

    /// The window for a view of `rows` lines from line `top`: the whole text when it is short,
    /// otherwise [`WINDOW`] lines with the view in their middle.
    pub fn for_view(text: &str, top: usize, rows: usize) -> Window {
        Window::around(text, top + rows / 2)
    }

    pub fn total(&self) -> usize {
        self.first + self.lines + self.below
    }

    /// Whether the window holds all of a text `len` bytes long.
    pub fn is_whole(&self, len: usize) -> bool {
        self.start == 0 && self.end == len
    }

    /// Whether a view of `rows` lines from line `top` stays [`MARGIN`] lines clear of the
    /// window's ends (an end of the text needs no margin).
    pub fn covers(&self, top: usize, rows: usize) -> bool {
        (self.first == 0 || top >= self.first + MARGIN)
            && (self.below == 0 || top + rows + MARGIN <= self.first + self.lines)
    }

    /// `text` with the window's part replaced by `value` (what the textarea holds after an
    /// edit), and the window over the new part.
    pub fn splice(&self, text: &str, value: &str) -> (String, Window) {
        let mut out = String::with_capacity(text.len() - (self.end - self.start) + value.len());
        out.push_str(&text[..self.start]);
        out.push_str(value);
        out.push_str(&text[self.end..]);
        let window = Window { end: self.start + value.len(), lines: line_count(value), ..*self };
        (out, window)
    }
}

/// `text` with its line ends as a textarea gives them back: `\r\n` and a lone `\r` become
/// `\n`. Text that reaches the panel without passing through the textarea (a long paste, a
/// file) is normalised so, or the textarea's offsets would not match the text's.
pub fn normalize_newlines(text: String) -> String {
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text
    }
}

/// Lines in `text`: one more than its newlines.
pub fn line_count(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count() + 1
}

/// The byte where line `line` (from 0) starts, or the text's end.
pub fn line_start(text: &str, line: usize) -> usize {
    if line == 0 {
        return 0;
    }
    nth_newline(text, line - 1).map_or(text.len(), |at| at + 1)
}

/// The line (from 0) that holds byte `at`.
pub fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())].iter().filter(|&&b| b == b'\n').count()
}

/// The byte of the `n`th newline (from 0).
fn nth_newline(text: &str, n: usize) -> Option<usize> {
    text.bytes().enumerate().filter(|&(_, b)| b == b'\n').nth(n).map(|(i, _)| i)
}

/// The byte offset in `s` of a UTF-16 offset (a textarea's selection), clamped to `s`.
pub fn byte_of_utf16(s: &str, utf16: usize) -> usize {
    let mut units = 0;
    for (i, c) in s.char_indices() {
        if units >= utf16 {
            return i;
        }
        units += c.len_utf16();
    }
    s.len()
}

/// The UTF-16 offset of byte `at` of `s` (rounded down to a character's start).
pub fn utf16_of_byte(s: &str, at: usize) -> usize {
    s.char_indices().take_while(|&(i, _)| i < at).map(|(_, c)| c.len_utf16()).sum()
}

/// The longest line, in characters (the sheet's width in `ch`).
pub fn longest_line(text: &str) -> usize {
    text.split('\n').map(|l| l.chars().count()).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(n: usize) -> String {
        (0..n).map(|i| format!("line {i}")).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn a_short_text_is_shown_whole() {
        let text = numbered(WHOLE);
        let w = Window::around(&text, 500);
        assert_eq!(w, Window { first: 0, lines: WHOLE, start: 0, end: text.len(), below: 0 });
        assert!(w.is_whole(text.len()));
        assert!(w.covers(0, 50) && w.covers(550, 50), "a whole window covers every view");
    }

    #[test]
    fn a_long_text_is_shown_a_window_at_a_time_around_the_view() {
        let text = numbered(10_000);
        let w = Window::for_view(&text, 5_000, 40);
        assert_eq!(w.lines, WINDOW);
        assert_eq!(w.first, 5_020 - WINDOW / 2);
        assert_eq!(w.total(), 10_000);
        let shown = &text[w.start..w.end];
        assert!(shown.starts_with(&format!("line {}\n", w.first)), "{}", &shown[..20]);
        assert!(shown.ends_with(&format!("\nline {}", w.first + WINDOW - 1)), "no newline after the last line");
        assert_eq!(line_count(shown), WINDOW);
        assert!(w.covers(5_000, 40));
        assert!(!w.covers(w.first + MARGIN - 1, 40), "too near the top");
        assert!(!w.covers(w.first + WINDOW - 40 - MARGIN + 1, 40), "too near the bottom");
        // The ends of the text are clamped, and need no margin.
        let top = Window::for_view(&text, 0, 40);
        assert_eq!((top.first, top.start), (0, 0));
        assert!(top.covers(0, 40));
        let bottom = Window::for_view(&text, 9_990, 40);
        assert_eq!((bottom.first + bottom.lines, bottom.end, bottom.below), (10_000, text.len(), 0));
        assert!(bottom.covers(9_960, 40));
    }

    #[test]
    fn an_edit_in_the_window_changes_only_its_part_of_the_text() {
        let text = numbered(2_000);
        let w = Window::lines(&text, 1_000, WINDOW);
        let shown = &text[w.start..w.end];
        let edited = shown.replacen("line 1001", "line 1001\nan added line", 1);
        let (after, w2) = w.splice(&text, &edited);
        assert_eq!(after, text.replacen("line 1001\n", "line 1001\nan added line\n", 1));
        assert_eq!((w2.first, w2.lines, w2.below, w2.total()), (1_000, WINDOW + 1, w.below, 2_001));
        assert_eq!(&after[w2.start..w2.end], edited);
        // Everything in the window deleted: one empty line is left, nothing else is lost.
        let (emptied, w3) = w.splice(&text, "");
        assert_eq!(emptied, format!("{}{}", &text[..w.start], &text[w.end..]));
        assert_eq!(line_count(&emptied), 2_000 - WINDOW + 1);
        assert_eq!(w3.lines, 1);
    }

    #[test]
    fn offsets_convert_between_the_textarea_and_the_text() {
        let s = "é𝄞x\ny";
        assert_eq!(byte_of_utf16(s, 0), 0);
        assert_eq!(byte_of_utf16(s, 1), 2);
        assert_eq!(byte_of_utf16(s, 3), 6, "the clef is two UTF-16 units and four bytes");
        assert_eq!(byte_of_utf16(s, 99), s.len());
        for at in [0, 2, 6, 7, 8, 9] {
            assert_eq!(byte_of_utf16(s, utf16_of_byte(s, at)), at);
        }
        assert_eq!(line_of(s, 8), 1);
        assert_eq!(line_start(s, 1), 8);
        assert_eq!(line_start(s, 5), s.len());
        assert_eq!(longest_line(s), 3);
    }

    #[test]
    fn line_ends_are_those_a_textarea_gives_back() {
        assert_eq!(normalize_newlines("a\r\nb\rc\n".into()), "a\nb\nc\n");
        assert_eq!(normalize_newlines("no returns".into()), "no returns");
    }
}
