//! Blocked attachments: does an inbound message carry a file whose extension the recipient
//! domain refuses (by default the Windows executables bat, btm, cmd, com, cpl, dll, exe, msi
//! and pif)?
//!
//! Every MIME part is looked at, whatever its disposition: a part marked `inline`, or a text
//! part, still reaches the reader as a file they can save and open. Its name is taken from
//! every `name` and `filename` parameter of every Content-Type and Content-Disposition field,
//! because clients disagree about which one wins and a sender can give a harmless name in one
//! and a dangerous one in another. The tricks this has to see through:
//!
//! - encoded names: RFC 2231 (`filename*=utf-8''virus%2Eexe`, and names split over
//!   `filename*0=`, `filename*1=`) and RFC 2047 (`=?utf-8?B?...?=`), decoded by mail-parser;
//! - case (`VIRUS.EXE`), and a tail after the extension: trailing dots and spaces, which
//!   Windows drops when it saves the file (`virus.exe . `), and other white space and
//!   invisible characters, which the reader does not see;
//! - double extensions (`invoice.pdf.exe`): only the last one counts, so `report.exe.txt`
//!   passes;
//! - a name cut at a NUL (`virus.exe%00.txt`), which C-string code reads as `virus.exe`;
//! - malformed fields a lenient client still reads (`Content-Type: ; name="virus.exe"`,
//!   which mail-parser itself drops);
//! - attachments inside attached messages (message/rfc822, message/global, and the parts of
//!   a multipart/digest), unencoded or base64 / quoted-printable encoded, one inside another.
//!
//! The walk over the MIME structure is this module's own, not `MessageParser::parse`. It
//! calls the same mail-parser steps in the same order (header parsing, boundary search, body
//! decoding: `mail_parser::parsers::MessageStream`), so it sees the structure mail-parser
//! sees, but it is iterative and builds no tree, because `parse` is not safe on hostile
//! input in mail-parser 0.11:
//!
//! - It follows unencoded nested messages to any depth (a heap stack, no limit) into a tree
//!   whose drop recurses once per level: about 30 bytes a level (`Content-Type:
//!   message/rfc822` and a blank line, repeated) overflow a 2 MiB thread stack at some
//!   25,000 levels, and a stack overflow aborts the whole server.
//! - It limits encoded nested messages to 3 levels (`MAX_NESTED_ENCODED`; a deeper one is
//!   left an opaque body, hiding what it holds), but turns each one into an owned tree with
//!   a recursive `into_owned`, about 1 KiB of stack a level: a 110 KB message (2,500
//!   unencoded levels inside one base64 part) aborts the process.
//! - A multipart part whose boundary never appears makes it scan the rest of the message
//!   and come back, so a message of many such parts costs time quadratic in its size (1 MB:
//!   15 s).
//!
//! Here unencoded nested messages and multiparts are read in the same pass, up to
//! [`MAX_NESTING`] open one inside another; a message nested deeper is reported as
//! [`TOO_COMPLEX`]. An encoded one must be decoded into a buffer of its own and walked
//! again, so only [`MAX_ENCODED_DEPTH`] of those are opened one inside another; a deeper one
//! is not opened. Failed boundary searches and the re-walks are charged against a budget
//! proportional to the message's size; a message that spends it is reported as
//! [`TOO_COMPLEX`] rather than passed unchecked, so that an attacker cannot buy a way past
//! the check with a slow structure. No ordinary message comes near it.

use mail_parser::{
    parsers::MessageStream, ContentType, Header, HeaderName, HeaderValue, MessageParser,
};

/// How many encoded nested messages are opened one inside another. Each level costs a
/// decoded copy and a second walk; mail clients rarely show more than a few.
const MAX_ENCODED_DEPTH: usize = 16;

/// How many multiparts and unencoded nested messages may be open one inside another. Real
/// mail nests a few levels (a forward of a reply with an attachment); hundreds are only
/// made to tire a parser, and such a message is refused as too complex.
const MAX_NESTING: usize = 64;

/// The work allowed beyond one pass, in bytes rescanned or re-walked per byte of message,
/// plus a floor so that small messages with a few broken parts are not refused.
const BUDGET_PER_BYTE: usize = 16;
const BUDGET_FLOOR: usize = 1 << 20;

/// What [`find_blocked`] returns, in place of a name, for a message whose MIME structure
/// would cost too much to walk (see the module documentation). The caller refuses it like
/// any other blocked attachment.
pub const TOO_COMPLEX: &str = "(MIME structure too complex to check)";

/// The first attachment (or inline part) whose name ends in a blocked extension, as the
/// name appears in the message (decoded), or None. `is_blocked` is given the lower-case
/// extension without the dot. Names in the message itself are looked at before those in
/// encoded nested messages; [`TOO_COMPLEX`] stands for a message too costly to check.
pub fn find_blocked(message: &[u8], is_blocked: impl Fn(&str) -> bool) -> Option<String> {
    let mut walker = Walker::new(message.len(), &is_blocked);
    match walker.walk_all(message) {
        Ok(()) => None,
        Err(Stop::Blocked(name)) => Some(name),
        Err(Stop::TooComplex) => Some(TOO_COMPLEX.to_owned()),
    }
}

/// The extension that counts for a file name: the part after the last dot, lower case,
/// after trailing dots and spaces (and other whitespace) are removed; None when there is none.
///
/// Invisible characters (controls, zero-width and direction marks) go with the trailing
/// white space, and white space just after the dot goes too: adjacent RFC 2047 words leave
/// a space there (`=?utf-8?B?dmlydXMu?= =?utf-8?B?ZXhl?=` decodes to `virus. exe`) that
/// clients joining the words do not keep.
pub fn extension(name: &str) -> Option<String> {
    let name = name.trim_end_matches(|c| c == '.' || is_invisible(c));
    let (_, extension) = name.rsplit_once('.')?;
    let extension = extension.trim_start_matches(is_invisible);
    (!extension.is_empty()).then(|| extension.to_lowercase())
}

/// Characters a saved file name loses at its end, or that the reader cannot see.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
        )
}

/// Why a walk stopped early.
enum Stop {
    Blocked(String),
    TooComplex,
}

/// What kind of container the parts being read belong to.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// A message (the top one, or one nested unencoded): its body is the next part.
    Message,
    Multipart,
    /// A multipart/digest, whose parts without a Content-Type are messages.
    Digest,
}

/// A container being read, with the boundary that ends its parts (a nested message
/// borrows its parent's).
struct Frame {
    kind: Kind,
    boundary: Option<Vec<u8>>,
}

#[derive(Clone, Copy, PartialEq)]
enum Encoding {
    None,
    Base64,
    QuotedPrintable,
}

/// What a part's header says about how to read on.
struct Part {
    /// A multipart with a boundary: its kind and boundary.
    multipart: Option<(Kind, String)>,
    /// A nested message (message/rfc822 or message/global, or a digest part without type).
    is_message: bool,
    encoding: Encoding,
}

struct Walker<'f, F> {
    parser: MessageParser,
    is_blocked: &'f F,
    /// Work left beyond the first pass, in bytes.
    budget: usize,
    /// Encoded nested messages met in the buffer being walked, decoded, with their depth.
    nested: Vec<(Vec<u8>, usize)>,
}

impl<'f, F: Fn(&str) -> bool> Walker<'f, F> {
    fn new(size: usize, is_blocked: &'f F) -> Self {
        Self {
            parser: MessageParser::new(),
            is_blocked,
            budget: size
                .saturating_mul(BUDGET_PER_BYTE)
                .saturating_add(BUDGET_FLOOR),
            nested: Vec::new(),
        }
    }

    /// Walks the message, then the encoded messages found in it, depth first, each in the
    /// order met.
    fn walk_all(&mut self, message: &[u8]) -> Result<(), Stop> {
        self.walk(message, 0)?;
        let mut pending: Vec<_> = self.nested.drain(..).rev().collect();
        while let Some((buffer, depth)) = pending.pop() {
            self.charge(buffer.len())?;
            self.walk(&buffer, depth)?;
            pending.extend(self.nested.drain(..).rev());
        }
        Ok(())
    }

    /// One buffer, step for step as mail-parser's `parse` reads it (the loop in
    /// `parsers/message.rs`), without building the message.
    fn walk(&mut self, data: &[u8], depth: usize) -> Result<(), Stop> {
        let mut stream = MessageStream::new(data);
        let mut frame = Frame {
            kind: Kind::Message,
            boundary: None,
        };
        let mut open: Vec<Frame> = Vec::new();
        let mut headers = Vec::new();
        // Each round consumes at least the line ending a header block, so the loop ends.
        loop {
            headers.clear();
            if !stream.parse_headers(&self.parser, &mut headers) {
                return Ok(());
            }
            self.check_names(data, &headers)?;
            let mut part = Part::read(&headers, frame.kind);
            if let Some((kind, boundary)) = part.multipart.take() {
                if stream.seek_next_part(boundary.as_bytes()) {
                    let inner = Frame {
                        kind,
                        boundary: Some(boundary.into_bytes()),
                    };
                    open.push(std::mem::replace(&mut frame, inner));
                    too_deep(&open)?;
                    stream.skip_crlf();
                    continue;
                }
                // The search went to the end and back; mail-parser reads the part as text.
                if !boundary.is_empty() {
                    self.charge(stream.remaining())?;
                }
            }
            if part.is_message && part.encoding == Encoding::None {
                // Its header follows at once, and it ends where the part would have.
                let inner = Frame {
                    kind: Kind::Message,
                    boundary: frame.boundary.take(),
                };
                open.push(std::mem::replace(&mut frame, inner));
                too_deep(&open)?;
                continue;
            }
            self.read_body(&mut stream, data, &mut frame, &part, depth);
            if frame.boundary.is_none() {
                if stream.offset() >= data.len() {
                    return Ok(());
                }
                continue;
            }
            if !close_finished(&mut stream, &mut frame, &mut open) {
                return Ok(());
            }
        }
    }

    /// Reads a part's body as mail-parser does, so that the walk stays in step with it,
    /// and keeps an encoded nested message for a walk of its own.
    fn read_body(
        &mut self,
        stream: &mut MessageStream<'_>,
        data: &[u8],
        frame: &mut Frame,
        part: &Part,
        depth: usize,
    ) {
        let start = stream.offset();
        let boundary = frame.boundary.as_deref().unwrap_or_default();
        let (end, body) = match part.encoding {
            Encoding::Base64 => stream.decode_base64_mime(boundary),
            Encoding::QuotedPrintable => stream.decode_quoted_printable_mime(boundary),
            Encoding::None => stream.mime_part(boundary),
        };
        if end != usize::MAX {
            if part.is_message {
                self.keep_nested(body.into_owned(), depth);
            }
            return;
        }
        // Bad encoding or no closing boundary: mail-parser skips to the boundary, or to the
        // end without one, and gives up on the part. A client may still decode a nested
        // message there (base64 decoders commonly skip stray characters), so this walk does.
        let (end, found) = stream.seek_part_end(frame.boundary.as_deref());
        if !found {
            frame.boundary = None;
        }
        if part.is_message {
            let raw = data.get(start..end).unwrap_or_default();
            let body = match part.encoding {
                Encoding::Base64 => lenient_base64(raw),
                _ => raw.to_vec(),
            };
            self.keep_nested(body, depth);
        }
    }

    fn keep_nested(&mut self, message: Vec<u8>, depth: usize) {
        if depth < MAX_ENCODED_DEPTH {
            self.nested.push((message, depth + 1));
        }
    }

    fn charge(&mut self, bytes: usize) -> Result<(), Stop> {
        self.budget = self.budget.checked_sub(bytes).ok_or(Stop::TooComplex)?;
        Ok(())
    }

    fn check_names(&self, data: &[u8], headers: &[Header<'_>]) -> Result<(), Stop> {
        let fields = headers.iter().filter(|h| {
            matches!(
                h.name,
                HeaderName::ContentType | HeaderName::ContentDisposition
            )
        });
        for field in fields {
            if let Some(name) = file_names(field, data)
                .into_iter()
                .find(|name| self.is_name_blocked(name))
            {
                return Err(Stop::Blocked(name));
            }
        }
        Ok(())
    }

    fn is_name_blocked(&self, name: &str) -> bool {
        let blocked = |name: &str| extension(name).is_some_and(|e| (self.is_blocked)(&e));
        blocked(name)
            || name
                .split_once('\0')
                .is_some_and(|(before, _)| blocked(before))
    }
}

impl Part {
    /// As mail-parser decides it: the last Content-Type and Content-Transfer-Encoding
    /// fields count.
    fn read(headers: &[Header<'_>], parent: Kind) -> Self {
        let content_type =
            last_value(headers, &HeaderName::ContentType).and_then(HeaderValue::as_content_type);
        let encoding = match last_value(headers, &HeaderName::ContentTransferEncoding) {
            Some(HeaderValue::Text(e)) if e.eq_ignore_ascii_case("base64") => Encoding::Base64,
            Some(HeaderValue::Text(e)) if e.eq_ignore_ascii_case("quoted-printable") => {
                Encoding::QuotedPrintable
            }
            _ => Encoding::None,
        };
        let (multipart, is_message) = match content_type {
            Some(ct) if ct.ctype() == "multipart" => (multipart(ct), false),
            Some(ct) => (
                None,
                ct.ctype() == "message" && matches!(ct.subtype(), Some("rfc822" | "global")),
            ),
            None => (None, parent == Kind::Digest),
        };
        Self {
            multipart,
            is_message,
            encoding,
        }
    }
}

fn too_deep(open: &[Frame]) -> Result<(), Stop> {
    if open.len() > MAX_NESTING {
        return Err(Stop::TooComplex);
    }
    Ok(())
}

fn multipart(content_type: &ContentType<'_>) -> Option<(Kind, String)> {
    let kind = match content_type.subtype() {
        Some("digest") => Kind::Digest,
        _ => Kind::Multipart,
    };
    let boundary = content_type.attribute("boundary")?;
    Some((kind, boundary.to_owned()))
}

fn last_value<'h, 'x>(
    headers: &'h [Header<'x>],
    name: &HeaderName<'_>,
) -> Option<&'h HeaderValue<'x>> {
    headers
        .iter()
        .rev()
        .find(|h| h.name == *name)
        .map(|h| &h.value)
}

/// After a leaf part: leaves the nested messages and multiparts that ended with it, as
/// mail-parser does. False when nothing more can follow.
fn close_finished(
    stream: &mut MessageStream<'_>,
    frame: &mut Frame,
    open: &mut Vec<Frame>,
) -> bool {
    loop {
        if frame.kind == Kind::Message {
            let Some(mut parent) = open.pop() else {
                return false;
            };
            parent.boundary = frame.boundary.take();
            *frame = parent;
        }
        if !stream.is_multipart_end() {
            return true;
        }
        let Some(parent) = open.pop() else {
            return false;
        };
        *frame = parent;
        let Some(boundary) = frame.boundary.as_deref() else {
            return false;
        };
        if stream.seek_next_part_offset(boundary).is_none() {
            return false;
        }
    }
}

/// The `name` and `filename` parameters of a Content-Type or Content-Disposition field,
/// as mail-parser read them and as read again with a dummy type in front: mail-parser drops
/// the parameters of a field with no type (`Content-Type: ; name="virus.exe"`) and takes a
/// bare `filename=virus.exe` for the type.
fn file_names(field: &Header<'_>, data: &[u8]) -> Vec<String> {
    let mut names = field
        .value
        .as_content_type()
        .map(name_parameters)
        .unwrap_or_default();
    let start = usize::try_from(field.offset_start).unwrap_or(usize::MAX);
    let end = usize::try_from(field.offset_end).unwrap_or(usize::MAX);
    let raw = data.get(start..end).unwrap_or_default();
    for name in reread_names(raw) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

fn reread_names(raw: &[u8]) -> Vec<String> {
    let mut field = Vec::with_capacity(raw.len() + 3);
    field.extend_from_slice(b"x;");
    field.extend_from_slice(raw);
    // The parser only returns a value once it sees the field's line end.
    field.push(b'\n');
    match MessageStream::new(&field).parse_content_type() {
        HeaderValue::ContentType(ct) => name_parameters(&ct),
        _ => Vec::new(),
    }
}

fn name_parameters(field: &ContentType<'_>) -> Vec<String> {
    field
        .attributes()
        .unwrap_or_default()
        .iter()
        .filter(|a| a.name == "name" || a.name == "filename")
        .map(|a| a.value.to_string())
        .collect()
}

/// Base64 that skips every character outside the alphabet, as many clients' decoders do.
fn lenient_base64(text: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(text.len() / 4 * 3);
    let (mut bits, mut held) = (0u32, 0u32);
    for value in text.iter().filter_map(|&c| base64_value(c)) {
        bits = (bits << 6) | u32::from(value);
        held += 6;
        if held >= 8 {
            held -= 8;
            bytes.push(((bits >> held) & 0xff) as u8);
            bits &= (1 << held) - 1;
        }
    }
    bytes
}

fn base64_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::{engine::general_purpose::STANDARD, Engine};
    use std::cell::RefCell;
    use std::time::{Duration, Instant};

    const DEFAULT_BLOCKED: [&str; 9] = [
        "bat", "btm", "cmd", "com", "cpl", "dll", "exe", "msi", "pif",
    ];

    fn find(message: &[u8]) -> Option<String> {
        find_blocked(message, |e| DEFAULT_BLOCKED.contains(&e))
    }

    /// Lines joined with CRLF, ending with one.
    fn lines(lines: &[&str]) -> Vec<u8> {
        let mut text = lines.join("\r\n");
        text.push_str("\r\n");
        text.into_bytes()
    }

    /// A multipart/mixed message: a text part, then a part with these header lines and a
    /// few bytes of body.
    fn with_part(part_header: &[&str]) -> Vec<u8> {
        let mut message = vec![
            "From: Ann <ann@example.test>",
            "To: bob@example.test",
            "Subject: the files",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=\"sep\"",
            "",
            "--sep",
            "Content-Type: text/plain; charset=utf-8",
            "",
            "Here they are.",
            "--sep",
        ];
        message.extend_from_slice(part_header);
        message.extend_from_slice(&[
            "",
            "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAA",
            "--sep--",
        ]);
        lines(&message)
    }

    fn attachment(disposition: &str) -> Vec<u8> {
        with_part(&[
            "Content-Type: application/octet-stream",
            disposition,
            "Content-Transfer-Encoding: base64",
        ])
    }

    /// `inner` attached, unencoded, as a message/rfc822 part of a new message.
    fn forwarded(inner: &[u8], boundary: &str) -> Vec<u8> {
        let mut message = lines(&[
            "From: carl@example.test",
            "Subject: Fwd: the files",
            "MIME-Version: 1.0",
            &format!("Content-Type: multipart/mixed; boundary=\"{boundary}\""),
            "",
            &format!("--{boundary}"),
            "Content-Type: text/plain",
            "",
            "See the attached message.",
            &format!("--{boundary}"),
            "Content-Type: message/rfc822",
            "",
        ]);
        message.extend_from_slice(inner);
        message.extend_from_slice(&lines(&[&format!("--{boundary}--")]));
        message
    }

    /// `inner` attached as a base64-encoded message/rfc822 part of a new message.
    fn forwarded_base64(inner: &[u8], boundary: &str) -> Vec<u8> {
        let encoded = STANDARD.encode(inner);
        let mut body: Vec<&str> = Vec::new();
        let mut rest = encoded.as_str();
        while !rest.is_empty() {
            let (line, tail) = rest.split_at(rest.len().min(76));
            body.push(line);
            rest = tail;
        }
        let mut message = vec![
            "From: carl@example.test".to_owned(),
            "MIME-Version: 1.0".to_owned(),
            format!("Content-Type: multipart/mixed; boundary=\"{boundary}\""),
            String::new(),
            format!("--{boundary}"),
            "Content-Type: message/rfc822".to_owned(),
            "Content-Transfer-Encoding: base64".to_owned(),
            String::new(),
        ];
        message.extend(body.into_iter().map(str::to_owned));
        message.push(format!("--{boundary}--"));
        let message: Vec<&str> = message.iter().map(String::as_str).collect();
        lines(&message)
    }

    fn virus_alone() -> Vec<u8> {
        with_part(&[
            "Content-Type: application/octet-stream",
            "Content-Disposition: attachment; filename=\"virus.exe\"",
        ])
    }

    fn assert_quick(started: Instant) {
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "took {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn finds_an_attachment_by_its_disposition_filename() {
        let message = attachment("Content-Disposition: attachment; filename=\"virus.exe\"");
        assert_eq!(find(&message).as_deref(), Some("virus.exe"));
    }

    #[test]
    fn finds_rfc2231_names() {
        let message = attachment("Content-Disposition: attachment; filename*=utf-8''virus%2Eexe");
        assert_eq!(find(&message).as_deref(), Some("virus.exe"));

        let split = with_part(&[
            "Content-Type: application/octet-stream",
            "Content-Disposition: attachment;",
            " filename*0=\"vir\";",
            " filename*1=\"us.exe\"",
        ]);
        assert_eq!(find(&split).as_deref(), Some("virus.exe"));

        let split_encoded = with_part(&[
            "Content-Type: application/octet-stream",
            "Content-Disposition: attachment;",
            " filename*0*=utf-8''vir%75s;",
            " filename*1*=%2E%65xe",
        ]);
        assert_eq!(find(&split_encoded).as_deref(), Some("virus.exe"));

        let out_of_order = with_part(&[
            "Content-Type: application/octet-stream",
            "Content-Disposition: attachment; filename*1=\"exe\"; filename*0=\"virus.\"",
        ]);
        assert_eq!(find(&out_of_order).as_deref(), Some("virus.exe"));
    }

    #[test]
    fn finds_rfc2047_names() {
        // "dmlydXMuZXhl" is base64 for "virus.exe".
        let message =
            attachment("Content-Disposition: attachment; filename=\"=?utf-8?B?dmlydXMuZXhl?=\"");
        assert_eq!(find(&message).as_deref(), Some("virus.exe"));

        let q = attachment("Content-Disposition: attachment; filename==?utf-8?Q?virus=2Eexe?=");
        assert_eq!(find(&q).as_deref(), Some("virus.exe"));

        // Two words: mail-parser keeps the space between them.
        let split = attachment(
            "Content-Disposition: attachment; filename=\"=?utf-8?B?dmlydXMu?= =?utf-8?B?ZXhl?=\"",
        );
        assert_eq!(find(&split).as_deref(), Some("virus. exe"));
    }

    #[test]
    fn finds_upper_case_names() {
        let message = attachment("Content-Disposition: attachment; filename=\"VIRUS.EXE\"");
        assert_eq!(find(&message).as_deref(), Some("VIRUS.EXE"));
    }

    #[test]
    fn finds_names_with_trailing_dots_and_spaces() {
        let dot = attachment("Content-Disposition: attachment; filename=\"virus.exe.\"");
        assert_eq!(find(&dot).as_deref(), Some("virus.exe."));
        // Unquoted: the parser drops the trailing spaces itself.
        let spaces = attachment("Content-Disposition: attachment; filename=virus.exe  ");
        assert!(find(&spaces).is_some());
        let quoted = attachment("Content-Disposition: attachment; filename=\"virus.exe . \"");
        assert_eq!(find(&quoted).as_deref(), Some("virus.exe . "));
        let invisible =
            attachment("Content-Disposition: attachment; filename*=utf-8''virus.exe%E2%80%8B");
        assert_eq!(find(&invisible).as_deref(), Some("virus.exe\u{200B}"));
    }

    #[test]
    fn the_last_of_two_extensions_counts() {
        let double = attachment("Content-Disposition: attachment; filename=\"invoice.pdf.exe\"");
        assert_eq!(find(&double).as_deref(), Some("invoice.pdf.exe"));
        let harmless = attachment("Content-Disposition: attachment; filename=\"report.exe.txt\"");
        assert_eq!(find(&harmless), None);
    }

    #[test]
    fn finds_a_content_type_name_without_disposition() {
        let message = with_part(&["Content-Type: application/octet-stream; name=\"virus.exe\""]);
        assert_eq!(find(&message).as_deref(), Some("virus.exe"));

        let single_part = lines(&[
            "From: ann@example.test",
            "Content-Type: application/octet-stream; name=\"virus.exe\"",
            "Content-Transfer-Encoding: base64",
            "",
            "TVqQAAMAAAAEAAAA",
        ]);
        assert_eq!(find(&single_part).as_deref(), Some("virus.exe"));
    }

    #[test]
    fn finds_names_that_other_fields_hide() {
        // mail-parser's attachment_name() gives "c.txt" here: the disposition wins, and of
        // two Content-Type fields the last.
        let two_types = with_part(&[
            "Content-Type: application/octet-stream; name=\"a.exe\"",
            "Content-Type: application/octet-stream; name=\"b.txt\"",
            "Content-Disposition: attachment; filename=\"c.txt\"",
        ]);
        assert_eq!(find(&two_types).as_deref(), Some("a.exe"));

        let two_names =
            attachment("Content-Disposition: attachment; filename=\"a.txt\"; filename=\"b.exe\"");
        assert_eq!(find(&two_names).as_deref(), Some("b.exe"));
    }

    #[test]
    fn finds_names_in_fields_without_a_type() {
        let no_type = with_part(&["Content-Type: ; name=\"virus.exe\""]);
        assert_eq!(find(&no_type).as_deref(), Some("virus.exe"));
        let bare = with_part(&[
            "Content-Type: application/octet-stream",
            "Content-Disposition: filename=virus.exe",
        ]);
        assert_eq!(find(&bare).as_deref(), Some("virus.exe"));
    }

    #[test]
    fn a_nul_cuts_the_name() {
        let message =
            attachment("Content-Disposition: attachment; filename*=utf-8''virus.exe%00.txt");
        assert_eq!(find(&message).as_deref(), Some("virus.exe\0.txt"));
    }

    #[test]
    fn finds_an_attachment_in_a_nested_message() {
        let once = forwarded(&virus_alone(), "outer");
        assert_eq!(find(&once).as_deref(), Some("virus.exe"));
        let twice = forwarded(&forwarded(&virus_alone(), "middle"), "outer");
        assert_eq!(find(&twice).as_deref(), Some("virus.exe"));
        assert_eq!(
            find(&forwarded(
                &with_part(&["Content-Type: text/plain"]),
                "outer"
            )),
            None
        );
    }

    #[test]
    fn finds_an_attachment_in_a_digest_part_without_type() {
        let mut message = lines(&[
            "From: list@example.test",
            "Content-Type: multipart/digest; boundary=\"dig\"",
            "",
            "--dig",
            "",
        ]);
        message.extend_from_slice(&virus_alone());
        message.extend_from_slice(&lines(&["--dig--"]));
        assert_eq!(find(&message).as_deref(), Some("virus.exe"));
    }

    #[test]
    fn finds_an_attachment_in_encoded_nested_messages() {
        // mail-parser's own parse leaves the fourth encoded level undecoded.
        let mut message = virus_alone();
        for level in 0..5 {
            message = forwarded_base64(&message, &format!("level{level}"));
        }
        assert_eq!(find(&message).as_deref(), Some("virus.exe"));

        let mut broken = forwarded_base64(&virus_alone(), "outer");
        // A stray character mail-parser's decoder refuses and lenient clients skip.
        let at = broken.len() - 20;
        broken.insert(at, b'!');
        assert_eq!(find(&broken).as_deref(), Some("virus.exe"));
    }

    #[test]
    fn stops_opening_encoded_messages_past_the_limit() {
        let mut message = virus_alone();
        for level in 0..MAX_ENCODED_DEPTH {
            message = forwarded_base64(&message, &format!("level{level}"));
        }
        assert_eq!(find(&message).as_deref(), Some("virus.exe"));
        let deeper = forwarded_base64(&message, "over");
        assert_eq!(find(&deeper), None);
    }

    #[test]
    fn finds_an_inline_part_with_a_filename() {
        let message = with_part(&[
            "Content-Type: text/plain; charset=utf-8",
            "Content-Disposition: inline; filename=\"virus.exe\"",
        ]);
        assert_eq!(find(&message).as_deref(), Some("virus.exe"));

        let whole_message = lines(&[
            "From: ann@example.test",
            "Content-Type: text/plain",
            "Content-Disposition: inline; filename=\"run.bat\"",
            "",
            "@echo off",
        ]);
        assert_eq!(find(&whole_message).as_deref(), Some("run.bat"));
    }

    #[test]
    fn passes_a_message_without_attachments() {
        let message = lines(&[
            "From: ann@example.test",
            "To: bob@example.test",
            "Subject: lunch",
            "",
            "Noon?",
        ]);
        assert_eq!(find(&message), None);
        assert_eq!(find(&with_part(&["Content-Type: text/html"])), None);
        assert_eq!(find(b""), None);
    }

    #[test]
    fn passes_names_without_an_extension() {
        let plain = attachment("Content-Disposition: attachment; filename=\"README\"");
        assert_eq!(find(&plain), None);
        let bare = attachment("Content-Disposition: attachment; filename=\"exe\"");
        assert_eq!(find(&bare), None);
        let only_dots = attachment("Content-Disposition: attachment; filename=\"virus. . .\"");
        assert_eq!(find(&only_dots), None);
    }

    #[test]
    fn passes_extensions_in_the_body_or_subject() {
        let message = lines(&[
            "From: ann@example.test",
            "Subject: please run setup.exe",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=\"sep\"",
            "",
            "--sep",
            "Content-Type: text/plain",
            "",
            "Run setup.exe, then install.msi.",
            "Content-Disposition: attachment; filename=\"virus.exe\"",
            "--sep",
            "Content-Type: application/pdf; name=\"guide.pdf\"",
            "",
            "JVBERi0xLjQK",
            "--sep--",
        ]);
        assert_eq!(find(&message), None);
    }

    #[test]
    fn is_blocked_gets_the_lower_case_extension_without_the_dot() {
        let seen = RefCell::new(Vec::new());
        let message = attachment("Content-Disposition: attachment; filename=\"Invoice.PDF\"");
        let found = find_blocked(&message, |e| {
            seen.borrow_mut().push(e.to_owned());
            false
        });
        assert_eq!(found, None);
        assert_eq!(seen.into_inner(), ["pdf"]);
    }

    #[test]
    fn extension_is_the_last_one_without_the_tail() {
        for (name, expected) in [
            ("virus.exe", Some("exe")),
            ("VIRUS.EXE", Some("exe")),
            ("virus.exe.", Some("exe")),
            ("virus.exe  ", Some("exe")),
            ("virus.exe . ", Some("exe")),
            ("virus.exe\t\r\n", Some("exe")),
            ("virus.exe\u{200B}\u{FEFF}", Some("exe")),
            ("virus. exe", Some("exe")),
            ("invoice.pdf.exe", Some("exe")),
            ("report.exe.txt", Some("txt")),
            (".exe", Some("exe")),
            ("archive.tar.GZ", Some("gz")),
            ("exe", None),
            ("README", None),
            ("virus.", None),
            ("virus. . ", None),
            (".", None),
            ("", None),
        ] {
            assert_eq!(extension(name).as_deref(), expected, "{name:?}");
        }
    }

    /// Multiparts `levels` deep with an executable at the bottom.
    fn nested_multiparts(levels: usize) -> Vec<u8> {
        let mut message = b"From: ann@example.test\r\n".to_vec();
        for level in 0..levels {
            message.extend_from_slice(
                format!(
                    "Content-Type: multipart/mixed; boundary=\"b{level}\"\r\n\r\n--b{level}\r\n"
                )
                .as_bytes(),
            );
        }
        message.extend_from_slice(
            b"Content-Type: application/octet-stream; name=\"virus.exe\"\r\n\r\nAAAA\r\n",
        );
        for level in (0..levels).rev() {
            message.extend_from_slice(format!("--b{level}--\r\n").as_bytes());
        }
        message
    }

    /// SECURITY: a 1,000-deep multipart ends in a bounded refusal.
    #[test]
    fn a_thousand_nested_multiparts_are_too_complex_and_quick() {
        let started = Instant::now();
        assert_eq!(find(&nested_multiparts(1000)).as_deref(), Some(TOO_COMPLEX));
        assert_quick(started);
        assert_eq!(
            find(&nested_multiparts(MAX_NESTING - 1)).as_deref(),
            Some("virus.exe")
        );
    }

    #[test]
    fn ten_thousand_header_fields_are_quick() {
        let mut message = b"From: ann@example.test\r\n".to_vec();
        for n in 0..10_000 {
            message.extend_from_slice(format!("X-Filler-{n}: value {n}\r\n").as_bytes());
        }
        message.extend_from_slice(b"Content-Type: text/plain\r\n\r\nhello\r\n");
        let started = Instant::now();
        assert_eq!(find(&message), None);
        assert_quick(started);

        let mut fields = b"From: ann@example.test\r\n".to_vec();
        for n in 0..10_000 {
            fields.extend_from_slice(
                format!("Content-Disposition: attachment; filename=\"f{n}.txt\"\r\n").as_bytes(),
            );
        }
        fields.extend_from_slice(
            b"Content-Type: application/octet-stream; name=\"last.cmd\"\r\n\r\nAAAA\r\n",
        );
        let started = Instant::now();
        assert_eq!(find(&fields).as_deref(), Some("last.cmd"));
        assert_quick(started);
    }

    /// 100,000 unencoded levels: mail-parser's `parse` reads them, then overflows the stack
    /// dropping the result, aborting the process.
    #[test]
    fn deeply_nested_unencoded_messages_do_not_overflow_the_stack() {
        let mut message = b"From: ann@example.test\r\n".to_vec();
        for _ in 0..100_000 {
            message.extend_from_slice(b"Content-Type: message/rfc822\r\n\r\n");
        }
        message.extend_from_slice(
            b"Content-Type: application/octet-stream; name=\"virus.exe\"\r\n\r\nAAAA\r\n",
        );
        let started = Instant::now();
        assert_eq!(find(&message).as_deref(), Some(TOO_COMPLEX));
        assert_quick(started);
    }

    /// 20,000 unencoded levels in one base64 part: mail-parser's `parse` overflows the stack
    /// in its recursive `into_owned`.
    #[test]
    fn deep_nesting_inside_an_encoded_message_does_not_overflow_the_stack() {
        let mut inner = b"From: ann@example.test\r\n".to_vec();
        for _ in 0..20_000 {
            inner.extend_from_slice(b"Content-Type: message/rfc822\r\n\r\n");
        }
        inner.extend_from_slice(&virus_alone());
        let message = forwarded_base64(&inner, "outer");
        let started = Instant::now();
        assert_eq!(find(&message).as_deref(), Some(TOO_COMPLEX));
        assert_quick(started);
    }

    #[test]
    fn many_missing_boundaries_are_too_complex_and_a_few_are_not() {
        let build = |broken: usize| {
            let mut message =
                b"From: ann@example.test\r\nContent-Type: multipart/mixed; boundary=P\r\n\r\n"
                    .to_vec();
            for n in 0..broken {
                message.extend_from_slice(
                    format!("--P\r\nContent-Type: multipart/mixed; boundary=\"missing{n}\"\r\n\r\nx\r\n").as_bytes(),
                );
            }
            message.extend_from_slice(b"--P\r\nContent-Type: application/octet-stream; name=\"virus.exe\"\r\n\r\nAAAA\r\n--P--\r\n");
            message
        };
        let started = Instant::now();
        assert_eq!(find(&build(20_000)).as_deref(), Some(TOO_COMPLEX));
        assert_quick(started);
        assert_eq!(find(&build(3)).as_deref(), Some("virus.exe"));
    }

    /// Every test message, cut short at every 7th byte and with bytes changed along it:
    /// the walk must neither panic nor hang on any of them.
    #[test]
    fn damaged_messages_do_not_panic() {
        let mut samples = vec![
            attachment(
                "Content-Disposition: attachment; filename*0*=utf-8''vir%75s; filename*1*=%2E%65xe",
            ),
            attachment("Content-Disposition: attachment; filename=\"=?utf-8?B?dmlydXMuZXhl?=\""),
            with_part(&[
                "Content-Type: text/plain; name=\"a.exe\"",
                "Content-Transfer-Encoding: quoted-printable",
            ]),
            forwarded(&forwarded(&virus_alone(), "middle"), "outer"),
            forwarded_base64(&forwarded_base64(&virus_alone(), "middle"), "outer"),
        ];
        let mut digest = lines(&[
            "Content-Type: multipart/digest; boundary=\"d\"",
            "",
            "--d",
            "",
        ]);
        digest.extend_from_slice(&virus_alone());
        samples.push(digest);

        let mut seed: u32 = 0x2545_f491;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed
        };
        let started = Instant::now();
        let mut variants = 0;
        for sample in &samples {
            for cut in (0..sample.len()).step_by(7) {
                let _ = find(&sample[..cut]);
                variants += 1;
            }
            for _ in 0..40 {
                let mut damaged = sample.clone();
                for _ in 0..4 {
                    let at = next() as usize % damaged.len();
                    damaged[at] = match next() % 4 {
                        0 => b'-',
                        1 => b'\n',
                        2 => b'"',
                        _ => (next() & 0xff) as u8,
                    };
                }
                let _ = find(&damaged);
                variants += 1;
            }
        }
        assert!(variants > 300, "{variants}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
