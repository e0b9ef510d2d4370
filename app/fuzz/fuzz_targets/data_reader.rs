//! The DATA reader, fed a client's bytes in the pieces the network delivers.
//!
//! Input: a line limit byte (255 stands for RFC 5321's 998), a size limit (u16 LE; 0xffff
//! stands for 10 MiB), a count of piece lengths and the lengths themselves (one byte each),
//! then the stream; what the lengths do not cover is the last piece. Small limits let short
//! inputs reach the refusals.
//!
//! The reader is held to a model written from RFC 5321 rather than from its code: the
//! message ends at the first `.` CRLF that starts a line; it is accepted exactly when it has
//! no bare CR or LF, no line over the limit and fits the size, and then it is the text
//! with one leading dot removed from each line. However the stream is cut, the answer is the
//! same: a reader that found another end in some cut would let a client smuggle a second
//! message past the server that relayed it.
#![no_main]

use app::backend::mail::smtp::data::{DataError, DataReader};
use libfuzzer_sys::fuzz_target;

/// The message (or why it was refused) and where in the stream it ended.
type Outcome = Option<(usize, Result<Vec<u8>, DataError>)>;

fuzz_target!(|input: &[u8]| {
    let Some((limits, pieces, stream)) = split_input(input) else {
        return;
    };
    let whole = read(limits, stream, &[]);
    assert_eq!(read(limits, stream, &pieces), whole, "cut at {pieces:?}");
    let byte_by_byte: Vec<usize> = vec![1; stream.len()];
    assert_eq!(read(limits, stream, &byte_by_byte), whole, "byte by byte");
    check_against_model(limits, stream, whole);
});

#[derive(Clone, Copy, Debug)]
struct Limits {
    max_size: usize,
    max_line: usize,
}

fn split_input(input: &[u8]) -> Option<(Limits, Vec<usize>, &[u8])> {
    let (&[line, size_lo, size_hi, count], rest) = input.split_first_chunk::<4>()?;
    let max_line = if line == 0xff { 998 } else { usize::from(line) };
    let max_size = match u16::from_le_bytes([size_lo, size_hi]) {
        0xffff => 10 << 20,
        size => usize::from(size),
    };
    let count = usize::from(count).min(rest.len());
    let (lengths, stream) = rest.split_at(count);
    let pieces = lengths.iter().map(|&n| usize::from(n)).collect();
    Some((Limits { max_size, max_line }, pieces, stream))
}

/// Feeds `stream` in pieces of the given lengths (an empty piece too, as a read of 0
/// bytes would), then the rest in one.
fn read(limits: Limits, stream: &[u8], pieces: &[usize]) -> Outcome {
    let mut reader = DataReader::new(limits.max_size, limits.max_line);
    let mut at = 0;
    for &len in pieces {
        let end = (at + len).min(stream.len());
        if let Some(used) = reader.feed(&stream[at..end]) {
            assert!(used >= 1 && used <= end - at, "used {used} of {}", end - at);
            return Some((at + used, reader.finish()));
        }
        at = end;
    }
    let used = reader.feed(&stream[at..])?;
    assert!(used >= 1, "used {used}");
    Some((at + used, reader.finish()))
}

fn check_against_model(limits: Limits, stream: &[u8], outcome: Outcome) {
    let end = model_end(stream);
    assert_eq!(outcome.as_ref().map(|(end, _)| *end), end, "where it ends");
    let (Some(end), Some((_, result))) = (end, outcome) else {
        return;
    };
    // The text before the final `.` CRLF: empty, or lines ending in CRLF.
    let text = &stream[..end - 3];
    let bare = has_bare_line_ending(text);
    let lines: Vec<&[u8]> = crlf_lines(text).collect();
    let long = lines.iter().any(|line| line_len(line) > limits.max_line);
    let size: usize = lines.iter().map(|line| line_len(line) + 2).sum();
    let large = size > limits.max_size;
    match result {
        Ok(message) => {
            assert!(!bare && !long && !large, "accepted {text:?}");
            assert_eq!(
                message,
                unstuffed(&lines),
                "the message is the text, unstuffed"
            );
            assert!(!has_bare_line_ending(&message));
        }
        Err(DataError::BareLineEnding) => assert!(bare, "{text:?}"),
        Err(DataError::LineTooLong) => assert!(long, "{text:?}"),
        Err(DataError::TooLarge) => assert!(large, "{text:?}"),
    }
}

/// After the first `.` CRLF at the start of the stream or just after a CRLF.
fn model_end(stream: &[u8]) -> Option<usize> {
    (0..stream.len())
        .find(|&at| {
            stream[at..].starts_with(b".\r\n") && (at == 0 || stream[..at].ends_with(b"\r\n"))
        })
        .map(|at| at + 3)
}

fn has_bare_line_ending(text: &[u8]) -> bool {
    text.iter().enumerate().any(|(i, &b)| match b {
        b'\r' => text.get(i + 1) != Some(&b'\n'),
        b'\n' => i == 0 || text[i - 1] != b'\r',
        _ => false,
    })
}

/// The text between CRLF pairs; a bare CR or LF stays inside a line.
fn crlf_lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let at = rest.windows(2).position(|w| w == b"\r\n")?;
        let line = &rest[..at];
        rest = &rest[at + 2..];
        Some(line)
    })
}

/// A line's length as RFC 5321 counts it: without the dot the sender added, CR and LF
/// (bare ones) not counted.
fn line_len(line: &[u8]) -> usize {
    let stuffed = usize::from(line.first() == Some(&b'.'));
    line.iter().filter(|&&b| b != b'\r' && b != b'\n').count() - stuffed
}

fn unstuffed(lines: &[&[u8]]) -> Vec<u8> {
    let mut message = Vec::new();
    for line in lines {
        message.extend_from_slice(line.strip_prefix(b".").unwrap_or(line));
        message.extend_from_slice(b"\r\n");
    }
    message
}
