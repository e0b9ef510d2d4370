//! The DATA phase read strictly (RFC 5321 §4.1.1.4 and §2.3.8): lines end in CRLF and
//! nothing else, a message ends only at `CRLF . CRLF`, and a leading dot is removed.
//!
//! Why strict: when one server reads `\n.\n` (or `\r.\r`, …) as the end of a message and the
//! server that relayed it does not, the text after it is read as new commands — a second
//! message with a forged sender hidden inside the first ("SMTP smuggling", 2023). Here a bare
//! CR or LF anywhere in DATA spoils the message: the reader still looks for the real end (so
//! the connection stays in step and nothing after a fake end is read as a command), and the
//! whole message is refused there. The reader is fed whatever the socket returns, in pieces
//! of any size; bytes after the end belong to the next command (PIPELINING).

/// Why a message read from DATA is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataError {
    /// A CR or LF that was not part of a CRLF pair.
    BareLineEnding,
    /// A line longer than the limit (RFC 5321: 998 characters before CRLF).
    LineTooLong,
    /// More bytes than the size limit.
    TooLarge,
}

impl DataError {
    /// Why, for the mail log.
    pub fn reason(self) -> &'static str {
        match self {
            DataError::BareLineEnding => "bare CR or LF in the message (possible SMTP smuggling)",
            DataError::LineTooLong => "a line longer than the limit",
            DataError::TooLarge => "larger than the size limit",
        }
    }

    /// The reply for the refused message: permanent, so the sender does not retry it.
    pub fn reply(self) -> &'static str {
        match self {
            DataError::BareLineEnding => {
                "550 5.6.11 Bare CR or LF in the message: lines must end in CRLF"
            }
            DataError::LineTooLong => "550 5.6.0 A line of the message is too long",
            DataError::TooLarge => "552 5.3.4 The message is larger than this server accepts",
        }
    }
}

/// Where the reader is in the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    /// At the start of a line.
    LineStart,
    /// After the dot that starts a line (it ends the message if CRLF follows).
    Dot,
    /// Within a line.
    Text,
}

/// Reads one message's DATA.
#[derive(Debug)]
pub struct DataReader {
    max_size: usize,
    max_line: usize,
    at: At,
    /// A CR was read and its LF is awaited.
    cr: bool,
    line_len: usize,
    body: Vec<u8>,
    error: Option<DataError>,
}

impl DataReader {
    /// `max_line` counts the characters before CRLF (998 in RFC 5321).
    pub fn new(max_size: usize, max_line: usize) -> Self {
        DataReader {
            max_size,
            max_line,
            at: At::LineStart,
            cr: false,
            line_len: 0,
            body: Vec::new(),
            error: None,
        }
    }

    /// Reads from `input`; `Some(n)` once the message ended, `n` being the bytes of `input`
    /// it used (the rest is the next command), `None` when it wants more.
    pub fn feed(&mut self, input: &[u8]) -> Option<usize> {
        for (i, &b) in input.iter().enumerate() {
            if self.cr {
                self.cr = false;
                if b == b'\n' {
                    if self.at == At::Dot {
                        return Some(i + 1);
                    }
                    self.push(b"\r\n");
                    self.at = At::LineStart;
                    self.line_len = 0;
                    continue;
                }
                // A CR not followed by LF: the message is spoilt; read on to the real end.
                // The line holds more than a dot now, so it cannot end the message.
                self.spoil(DataError::BareLineEnding);
                self.at = At::Text;
            }
            match b {
                b'\r' => self.cr = true,
                b'\n' => {
                    self.spoil(DataError::BareLineEnding);
                    self.at = At::Text;
                }
                b'.' if self.at == At::LineStart => self.at = At::Dot,
                _ => {
                    // A line's leading dot was added by the sender (and is not counted in
                    // its length, RFC 5321 §4.5.3.1.6): it was dropped, `b` is the text.
                    self.at = At::Text;
                    self.count_line(1);
                    self.push(&[b]);
                }
            }
        }
        None
    }

    /// The message, or why it is refused; call once `feed` said it ended.
    pub fn finish(self) -> Result<Vec<u8>, DataError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.body),
        }
    }

    fn count_line(&mut self, n: usize) {
        self.line_len += n;
        if self.line_len > self.max_line {
            self.spoil(DataError::LineTooLong);
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        if self.error.is_some() {
            return;
        }
        if self.body.len() + bytes.len() > self.max_size {
            self.spoil(DataError::TooLarge);
            return;
        }
        self.body.extend_from_slice(bytes);
    }

    /// Keeps the first reason; the body is no longer kept.
    fn spoil(&mut self, error: DataError) {
        if self.error.is_none() {
            self.error = Some(error);
            self.body = Vec::new();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: usize = 10 * 1024;

    /// The message (or why it was refused) and the bytes left for the next command.
    type Read = (Result<Vec<u8>, DataError>, Vec<u8>);

    /// Reads `input` fed in pieces of `step` bytes: the message (or error) and the bytes
    /// left for the next command; `None` when the input never ended the message.
    fn read(input: &[u8], step: usize) -> Option<Read> {
        let mut reader = DataReader::new(MAX, 998);
        let mut at = 0;
        while at < input.len() {
            let end = (at + step).min(input.len());
            if let Some(used) = reader.feed(&input[at..end]) {
                return Some((reader.finish(), input[at + used..].to_vec()));
            }
            at = end;
        }
        None
    }

    /// The same answer whatever pieces the socket delivers.
    fn read_all_ways(input: &[u8]) -> Option<Read> {
        let whole = read(input, input.len().max(1));
        for step in 1..8 {
            assert_eq!(read(input, step), whole, "fed {step} bytes at a time");
        }
        whole
    }

    #[test]
    fn a_message_ends_at_crlf_dot_crlf_and_leading_dots_are_removed() {
        let input = b"Subject: hi\r\n\r\n..starts with a dot\r\n.\r\nQUIT\r\n";
        let (message, rest) = read_all_ways(input).unwrap();
        assert_eq!(
            message.unwrap(),
            b"Subject: hi\r\n\r\n.starts with a dot\r\n"
        );
        assert_eq!(
            rest, b"QUIT\r\n",
            "the next command is left for the session"
        );
        let (empty, rest) = read_all_ways(b".\r\n").unwrap();
        assert_eq!((empty.unwrap(), rest), (vec![], vec![]));
        // A dot that is not alone on its line is text.
        assert!(read_all_ways(b".x\r\n. \r\n").is_none());
    }

    #[test]
    fn every_smuggling_end_is_text_and_spoils_the_message() {
        let smuggled =
            b"MAIL FROM:<ceo@bank.test>\r\nRCPT TO:<victim@our.test>\r\nDATA\r\nforged\r\n";
        for fake_end in [&b"\n.\n"[..], b"\n.\r\n", b"\r.\r", b"\r\n.\n", b"\r.\r\n"] {
            let mut input = b"Subject: first\r\n\r\nbody".to_vec();
            input.extend_from_slice(fake_end);
            input.extend_from_slice(smuggled);
            input.extend_from_slice(b".\r\nQUIT\r\n");
            let (message, rest) = read_all_ways(&input)
                .unwrap_or_else(|| panic!("{fake_end:?}: the real end was not found"));
            assert_eq!(message, Err(DataError::BareLineEnding), "{fake_end:?}");
            // The smuggled commands were read as (refused) text, never left as commands.
            assert_eq!(rest, b"QUIT\r\n", "{fake_end:?}");
        }
    }

    #[test]
    fn only_a_line_of_exactly_dot_crlf_ends_the_message() {
        // A dot line with a stray CR or LF is not the end (another server would not end
        // there either): what follows is text, the real end comes later.
        for almost in [
            &b"x\r\n.\n\r\nMAIL FROM:<a@b>\r\n.\r\n"[..],
            b"x\r\n.\r\r\nMAIL FROM:<a@b>\r\n.\r\n",
        ] {
            let (message, rest) = read_all_ways(almost).unwrap();
            assert_eq!(
                (message, rest),
                (Err(DataError::BareLineEnding), vec![]),
                "{almost:?}"
            );
        }
    }

    #[test]
    fn a_bare_lf_or_cr_anywhere_is_refused() {
        for input in [&b"a\nb\r\n.\r\n"[..], b"a\rb\r\n.\r\n", b"a\r\r\n.\r\n"] {
            let (message, _) = read_all_ways(input).unwrap();
            assert_eq!(message, Err(DataError::BareLineEnding), "{input:?}");
        }
    }

    #[test]
    fn long_lines_and_large_messages_are_refused_but_read_to_their_end() {
        let mut long = vec![b'a'; 999];
        long.extend_from_slice(b"\r\n.\r\nNOOP\r\n");
        let (message, rest) = read(&long, 100).unwrap();
        assert_eq!(
            (message, rest),
            (Err(DataError::LineTooLong), b"NOOP\r\n".to_vec())
        );
        let mut ok = vec![b'a'; 998];
        ok.extend_from_slice(b"\r\n.\r\n");
        assert!(read(&ok, 64).unwrap().0.is_ok());
        // A dot-stuffed line counts without the added dot.
        let mut stuffed = vec![b'.'; 999];
        stuffed.extend_from_slice(b"\r\n.\r\n");
        assert!(read(&stuffed, 64).unwrap().0.is_ok());

        let line = [b'x'; 98];
        let mut big = Vec::new();
        for _ in 0..(MAX / 100 + 1) {
            big.extend_from_slice(&line);
            big.extend_from_slice(b"\r\n");
        }
        big.extend_from_slice(b".\r\n");
        assert_eq!(read(&big, 4096).unwrap().0, Err(DataError::TooLarge));
        assert!(DataError::TooLarge.reply().starts_with("552 "));
        assert!(DataError::BareLineEnding.reply().starts_with("550 "));
    }
}
