//! The SMTP command line parser, fed what a client may send before DATA.
//!
//! The bytes are cut into lines as the listener cuts them (at each CRLF, long lines
//! refused before parsing), and each line is parsed. The whole input is parsed too, CRLF or
//! not: the parser sits on the network edge and must answer, not panic, whatever a later
//! change to the listener hands it.
#![no_main]

use app::backend::mail::smtp::command::{line_end, parse, MAX_LINE};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    if let Err(reply) = parse(input) {
        assert_refusal(reply);
    }
    let mut rest = input;
    while let Some(end) = line_end(rest) {
        let (line, after) = rest.split_at(end);
        assert!(line.ends_with(b"\r\n"), "{line:?}");
        // The first CRLF ends the line: a line that held one would be two commands.
        assert_eq!(line_end(&line[..end - 1]), None, "{line:?}");
        if line.len() <= MAX_LINE {
            check_line(line);
        }
        rest = after;
    }
});

fn check_line(line: &[u8]) {
    match parse(line) {
        Ok(request) => {
            // A bare CR or LF inside an accepted line would let one line carry a second
            // command past a filter that cuts lines differently (SMTP smuggling).
            let body = &line[..line.len() - 2];
            assert!(
                !body.iter().any(|&b| b == b'\r' || b == b'\n'),
                "{line:?} accepted as {request:?}"
            );
            // The verb decides what the session does next: it must be the one written.
            // smtp-proto skips spaces before it, which changes nothing about which it is.
            let verb = request.name().as_bytes();
            let written = &line[line.iter().take_while(|&&b| b == b' ').count()..];
            assert!(
                written.len() >= verb.len() && written[..verb.len()].eq_ignore_ascii_case(verb),
                "{line:?} read as {}",
                request.name()
            );
        }
        Err(reply) => assert_refusal(reply),
    }
}

/// A refusal is a permanent SMTP reply, as the session sends it unchanged.
fn assert_refusal(reply: &str) {
    let bytes = reply.as_bytes();
    assert!(
        bytes.len() > 4
            && bytes[0] == b'5'
            && bytes[1..3].iter().all(u8::is_ascii_digit)
            && bytes[3] == b' '
            && !reply.contains(['\r', '\n']),
        "{reply:?}"
    );
}
