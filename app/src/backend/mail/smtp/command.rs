//! Command lines as the listener reads them: each ends in CRLF, is bounded in length, and is
//! parsed by smtp-proto (Stalwart's SMTP parser).

use smtp_proto::{Error, Request};

/// The longest command line taken, CRLF included. RFC 5321 §4.5.3.1.4 allows 512 octets
/// plus what extensions add; anything longer is refused, never buffered without bound.
pub const MAX_LINE: usize = 2048;

/// Where the next complete command line in `input` ends (after its CRLF), if there is one.
pub fn line_end(input: &[u8]) -> Option<usize> {
    input.windows(2).position(|w| w == b"\r\n").map(|i| i + 2)
}

/// A command line read whole, or the reply that refuses it.
pub fn parse(line: &[u8]) -> Result<Request<String>, &'static str> {
    let body = &line[..line.len().saturating_sub(2)];
    // A CR or LF inside a line is how one line carries a second command past a filter
    // that reads lines differently ("MAIL FROM:<a@b>\nRCPT TO:<x@elsewhere>"): the whole
    // line is refused.
    if body.iter().any(|&b| b == b'\r' || b == b'\n') {
        return Err("501 5.5.2 Bare CR or LF in the command: lines end in CRLF");
    }
    match Request::parse(&mut line.iter()) {
        Ok(request) => Ok(request.into_owned()),
        Err(e) => Err(refusal(e)),
    }
}

fn refusal(e: Error) -> &'static str {
    match e {
        Error::UnknownCommand => "500 5.5.2 Command not recognised",
        Error::InvalidSenderAddress => "501 5.1.7 Bad sender address syntax",
        Error::InvalidRecipientAddress => "501 5.1.3 Bad recipient address syntax",
        Error::SyntaxError { syntax } => match syntax {
            s if s.starts_with("MAIL") => "501 5.5.4 Syntax: MAIL FROM:<address> [parameters]",
            s if s.starts_with("RCPT") => "501 5.5.4 Syntax: RCPT TO:<address> [parameters]",
            s if s.starts_with("EHLO") || s.starts_with("HELO") => {
                "501 5.5.4 Syntax: EHLO hostname"
            }
            _ => "501 5.5.4 Syntax error in the command's arguments",
        },
        Error::InvalidParameter { .. } => "501 5.5.4 Invalid parameter",
        Error::UnsupportedParameter { .. } => "555 5.5.4 Unsupported parameter",
        Error::ResponseTooLong => "500 5.5.6 Line too long",
        Error::NeedsMoreData { .. } | Error::InvalidResponse { .. } => "501 5.5.4 Syntax error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_ends_only_at_crlf() {
        assert_eq!(line_end(b"NOOP\r\nQUIT\r\n"), Some(6));
        assert_eq!(line_end(b"NOOP\nQUIT\n"), None);
        assert_eq!(line_end(b"NOOP\r"), None);
    }

    #[test]
    fn a_second_command_hidden_in_a_line_is_refused() {
        for line in [
            &b"MAIL FROM:<a@b.test> SIZE=1\nRCPT TO:<x@ext.test>\r\n"[..],
            b"MAIL FROM:<a@b.test> SIZE=1\rRCPT TO:<x@ext.test>\r\n",
        ] {
            assert!(parse(line).unwrap_err().starts_with("501 "), "{line:?}");
        }
    }

    #[test]
    fn commands_parse() {
        match parse(b"MAIL FROM:<Ann@Example.test> SIZE=1000\r\n").unwrap() {
            Request::Mail { from } => {
                assert_eq!(from.address, "Ann@Example.test");
                assert_eq!(from.size, 1000);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse(b"DATA\r\n"), Ok(Request::Data)));
        assert!(parse(b"FOO bar\r\n").unwrap_err().starts_with("500 "));
        assert!(parse(b"MAIL TO:<a@b.test>\r\n")
            .unwrap_err()
            .starts_with("501 "));
    }
}
