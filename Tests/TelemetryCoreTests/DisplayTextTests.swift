import Testing
import TelemetryCore

/// `DisplayText.maskingUserInfo`: the user-info of a URL, however it was typed, never shown;
/// a host never hidden behind a path's `@`.
@Suite("Masking the user-info of URLs")
struct DisplayTextTests {
    /// (text, what is shown).
    static let cases: [(String, String)] = [
        // The simple forms.
        ("https://AKIA:secret@s3.example.com:9000/base", "https://***@s3.example.com:9000/base"),
        ("http://user@host/", "http://***@host/"),
        ("HTTP://u:p@[::1]:9000", "HTTP://***@[::1]:9000"),
        // Spaces, quotes, '/', '?', '#', escapes and '@' in the password.
        ("http://user:sec ret@host/", "http://***@host/"),
        ("http://u:a\"b@host/", "http://***@host/"),
        ("http://u:a'b@host/", "http://***@host/"),
        ("http://u:ab/s3cr3t@host/", "http://***@host/"),
        ("http://u:1234/s3cr3t@host/", "http://***@host/"),
        ("http://u:p?x#y@host:9/", "http://***@host:9/"),
        ("http://u:%40%2F@host/", "http://***@host/"),
        ("http://u:p@ss@host/", "http://***@host/"),
        ("http://u:p@ss/x@host/", "http://***@host/"),
        ("http://u:a\\b@host/", "http://***@host/"),
        ("http://us/er:pw@host", "http://***@host"),
        // A password holding what looks like the start of another URL.
        ("http://u:a://b@host/", "http://***@host/"),
        ("http://u:a b://c@host/", "http://***@host/"),
        ("http://u:p@ss://x@host/", "http://***@host/"),
        // Control characters cannot split "://" or hide the password.
        ("http:/\u{200e}/u:p@h", "http://***@h"),
        ("http://u:a\nb\u{0}c@host/", "http://***@host/"),
        // Several URLs in one line, quoted as error lines quote them.
        ("\"http://a:s1@h1/\" and \"http://b:s2@h2/\"", "\"http://***@h1/\" and \"http://***@h2/\""),
        ("proxy:http://u:p@h:3128, endpoint=https://k:s@s3/", "proxy:http://***@h:3128, endpoint=https://***@s3/"),
        (
            "invalid S3 endpoint URL \"http://u:ab/s3cr3t@host/\": expected scheme://host[:port][/path]",
            "invalid S3 endpoint URL \"http://***@host/\": expected scheme://host[:port][/path]"
        ),
        // An '@' in the path of a plain host is not user-info: the host stays in view.
        ("https://host/a@b", "https://host/a@b"),
        ("https://s3.example.com/bucket/key@v2?x=1@2#f@g", "https://s3.example.com/bucket/key@v2?x=1@2#f@g"),
        ("https://[::1]/a@b", "https://[::1]/a@b"),
        // ...unless what precedes it looks like user:password, or the host has a port (in doubt, masked).
        ("https://host/a:b@c", "https://***@c"),
        ("https://host/a%3Ab@c", "https://***@c"),
        ("https://host:8080/a@b", "https://***@b"),
        // No '@': nothing to mask.
        ("http://127.0.0.1:9000/bucket", "http://127.0.0.1:9000/bucket"),
        ("cannot reach http://127.0.0.1:9000: connection refused", "cannot reach http://127.0.0.1:9000: connection refused"),
        ("expected scheme://host[:port][/path]", "expected scheme://host[:port][/path]"),
        ("no URL here: a@b, c://", "no URL here: a@b, c://"),
    ]

    @Test func userInfoIsMaskedInEveryForm() {
        for (text, shown) in Self.cases {
            #expect(DisplayText.maskingUserInfo(text) == shown, "\(text.debugDescription)")
            // Masking what was masked changes nothing.
            #expect(DisplayText.maskingUserInfo(shown) == shown, "\(shown.debugDescription)")
        }
    }

    /// A text cut at the limit may have lost the '@' that ends a user-info: masked to the cut.
    @Test func aURLRunningIntoTheCutIsMaskedToTheEnd() {
        let long = "see http://u:1234/" + String(repeating: "s", count: 300) + "@host/"
        #expect(DisplayText.maskingUserInfo(long, limit: 100) == "see http://***…")
        #expect(DisplayText.maskingUserInfo(long, limit: 1000) == "see http://***@host/")
        // A URL whose reach ends before the cut (another URL follows) is judged as usual.
        let before = "http://u:p@h/ https://host/" + String(repeating: "x", count: 300)
        #expect(DisplayText.maskingUserInfo(before, limit: 100) == "http://***@h/ https://***…")
    }
}
