/// Text that came from outside (a store's answer, the environment, a file) made safe to print
/// or log: control characters removed, user-info in URLs masked, length bounded.
package enum DisplayText {
    /// `text` without control characters (C0, DEL, C1, and the bidirectional overrides that
    /// reorder a terminal line), newlines and tabs turned into spaces, at most `limit` characters.
    package static func sanitized(_ text: String, limit: Int = 1000) -> String {
        var out = String.UnicodeScalarView()
        var count = 0
        for scalar in text.unicodeScalars {
            guard count < limit else {
                out.append(contentsOf: "…".unicodeScalars)
                break
            }
            let value = scalar.value
            if value == 0x0a || value == 0x0d || value == 0x09 {
                out.append(" ")
            } else if value < 0x20 || (0x7f...0x9f).contains(value) || (0x202a...0x202e).contains(value)
                || (0x2066...0x2069).contains(value) || value == 0x200e || value == 0x200f
            {
                continue
            } else {
                out.append(scalar)
            }
            count += 1
        }
        return String(out)
    }

    /// `text` sanitized (at most `limit` characters), then with the user-info of every URL in
    /// it masked as `***`, in whatever form it was typed or mistyped. Control characters go
    /// first, so none can split a `://` or hide the end of a password.
    ///
    /// The rule, for each `://` in the text from left to right (text that is not a URL is left
    /// as it is; when in doubt, more is masked, never less):
    ///
    /// - The URL's *reach* runs from after `://` to the start of the next URL: the next `://`
    ///   whose scheme (a letter, then letters, digits, `+`, `-`, `.`) begins the text or follows
    ///   a space or one of `"'([{<>=,;|`. A `://` inside a password (`u:a://b@host`) is not one.
    /// - Its *authority* is the start of the reach up to the first `/`, `?`, `#`, `\`, space,
    ///   quote, `<` or `>`: what a URL parser takes for `host[:port]`.
    /// - When the reach holds an `@`, everything from `://` to the **last** `@` of the reach is
    ///   the user-info and masked (`http://***@host/`) — spaces, quotes, `/`, `?`, `#`, `%`
    ///   escapes and further `@` included — except in one case: when the authority is a plain
    ///   host (letters, digits, `.`, `-`, `_`, or a bracketed IPv6 address) **without** a port
    ///   and nothing before that `@` holds a `:` (or `%3A`), the `@` belongs to a path, query or
    ///   later text and nothing is masked (`https://host/a@b` stays as it is, so a path cannot
    ///   hide the host connected to behind `***@`). `host:port/…@…` is masked: it cannot be told
    ///   from `user:password` with a `/` in the password (`http://u:1234/s3cr3t@host/`).
    /// - When the reach holds no `@` but the authority is not a plain `host[:port]`, the
    ///   password may hold the start of another URL (`http://u:a b://c@host/`): everything up to
    ///   the last `@` further on in the text is masked. With no `@` anywhere after `://` there is
    ///   no user-info, and nothing is masked.
    /// - A text cut at `limit` may have lost the `@` that ends a user-info: a URL whose reach runs
    ///   to the cut is masked to the end.
    package static func maskingUserInfo(_ text: String, limit: Int = 1000) -> String {
        let clean = sanitized(text, limit: limit)
        let truncated = clean.unicodeScalars.count > limit
        var scalars = Array(clean.unicodeScalars)
        if truncated { scalars.removeLast() }  // the "…" added by sanitized
        let masked = UserInfoMasker(scalars, truncated: truncated).masked()
        var out = String.UnicodeScalarView()
        out.append(contentsOf: masked)
        if truncated { out.append(contentsOf: "…".unicodeScalars) }
        return String(out)
    }
}

/// The scanner behind `DisplayText.maskingUserInfo` (its rule is documented there).
private struct UserInfoMasker {
    let text: [Unicode.Scalar]
    let truncated: Bool

    init(_ text: [Unicode.Scalar], truncated: Bool) {
        self.text = text
        self.truncated = truncated
    }

    func masked() -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        var position = 0
        while let marker = separator(from: position) {
            let start = marker + 3
            out.append(contentsOf: text[position..<start])
            let reachEnd = nextURLStart(after: start) ?? text.count
            let authorityEnd = (start..<text.count).first { Self.endsAuthority(text[$0]) } ?? text.count
            let authority = text[start..<authorityEnd]
            let host = Self.hostShape(authority)
            if truncated && reachEnd == text.count {
                out.append(contentsOf: "***".unicodeScalars)
                return out
            }
            if let at = lastAt(in: start..<reachEnd) {
                if host == .plain && !Self.holdsColon(text[authorityEnd..<max(at, authorityEnd)]) {
                    position = start
                } else {
                    out.append(contentsOf: "***@".unicodeScalars)
                    position = at + 1
                }
            } else if host == .notAHost, let at = lastAt(in: start..<text.count) {
                out.append(contentsOf: "***@".unicodeScalars)
                position = at + 1
            } else {
                position = start
            }
        }
        out.append(contentsOf: text[position...])
        return out
    }

    /// The index of the next `://` at or after `from`.
    func separator(from: Int) -> Int? {
        var index = from
        while index + 2 < text.count {
            if text[index] == ":" && text[index + 1] == "/" && text[index + 2] == "/" { return index }
            index += 1
        }
        return nil
    }

    /// Where the next URL begins (its scheme's first character), after `from`.
    func nextURLStart(after from: Int) -> Int? {
        var search = from
        while let marker = separator(from: search) {
            var schemeStart = marker
            while schemeStart > from && Self.isSchemeCharacter(text[schemeStart - 1]) { schemeStart -= 1 }
            if schemeStart < marker, Self.isLetter(text[schemeStart]),
                schemeStart == 0 || Self.isBoundary(text[schemeStart - 1])
            {
                return schemeStart
            }
            search = marker + 1
        }
        return nil
    }

    func lastAt(in range: Range<Int>) -> Int? {
        range.last { text[$0] == "@" }
    }

    enum HostShape { case plain, withPort, notAHost }

    /// Whether `authority` is `host`, `host:port` (digits) or neither.
    static func hostShape(_ authority: ArraySlice<Unicode.Scalar>) -> HostShape {
        var host = authority[...]
        var port: ArraySlice<Unicode.Scalar>?
        if host.first == "[" {
            guard let close = host.firstIndex(of: "]") else { return .notAHost }
            let inside = host[(host.startIndex + 1)..<close]
            guard !inside.isEmpty, inside.allSatisfy({ isHexDigit($0) || $0 == ":" || $0 == "." }) else { return .notAHost }
            let rest = host[(close + 1)...]
            host = host[..<(close + 1)]
            if !rest.isEmpty {
                guard rest.first == ":" else { return .notAHost }
                port = rest.dropFirst()
            }
        } else {
            if let colon = host.firstIndex(of: ":") {
                port = host[(colon + 1)...]
                host = host[..<colon]
            }
            guard !host.isEmpty, host.allSatisfy({ isLetter($0) || isDigit($0) || $0 == "." || $0 == "-" || $0 == "_" }) else {
                return .notAHost
            }
        }
        guard let port else { return .plain }
        return !port.isEmpty && port.allSatisfy(isDigit) ? .withPort : .notAHost
    }

    static func holdsColon(_ text: ArraySlice<Unicode.Scalar>) -> Bool {
        if text.contains(":") { return true }
        var index = text.startIndex
        while index + 2 < text.endIndex {
            if text[index] == "%" && text[index + 1] == "3" && (text[index + 2] == "A" || text[index + 2] == "a") { return true }
            index += 1
        }
        return false
    }

    static func endsAuthority(_ c: Unicode.Scalar) -> Bool {
        "/?#\\ \"'<>".unicodeScalars.contains(c)
    }

    static func isBoundary(_ c: Unicode.Scalar) -> Bool {
        " \"'([{<>=,;|".unicodeScalars.contains(c)
    }

    static func isSchemeCharacter(_ c: Unicode.Scalar) -> Bool {
        isLetter(c) || isDigit(c) || c == "+" || c == "-" || c == "."
    }

    static func isLetter(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) }
    static func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }
    static func isHexDigit(_ c: Unicode.Scalar) -> Bool { isDigit(c) || ("a"..."f").contains(c) || ("A"..."F").contains(c) }
}
