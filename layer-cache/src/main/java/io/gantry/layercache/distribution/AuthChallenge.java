package io.gantry.layercache.distribution;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One challenge of a {@code WWW-Authenticate} header (RFC 7235), e.g.
 * {@code Bearer realm="https://auth.example/token",service="registry.example",scope="repository:app:pull"}.
 *
 * @param scheme lower-cased ("bearer", "basic")
 * @param params parameter names lower-cased, values unquoted
 */
public record AuthChallenge(String scheme, Map<String, String> params) {

    public AuthChallenge {
        params = Map.copyOf(params);
    }

    public String param(String name) {
        return params.get(name);
    }

    /** Parses every challenge in one header value (a header may carry several, comma separated). */
    public static List<AuthChallenge> parse(String header) {
        List<AuthChallenge> challenges = new ArrayList<>();
        if (header == null) {
            return challenges;
        }
        Lexer lx = new Lexer(header);
        while (true) {
            lx.skipSeparators();
            String scheme = lx.token();
            if (scheme.isEmpty()) {
                break;
            }
            Map<String, String> params = new LinkedHashMap<>();
            while (true) {
                int mark = lx.pos;
                lx.skipSeparators();
                String name = lx.token();
                lx.skipSpaces();
                if (name.isEmpty() || !lx.consume('=')) {
                    lx.pos = mark; // the next scheme begins here
                    break;
                }
                lx.skipSpaces();
                params.put(name.toLowerCase(Locale.ROOT), lx.value());
            }
            challenges.add(new AuthChallenge(scheme.toLowerCase(Locale.ROOT), params));
        }
        return challenges;
    }

    private static final class Lexer {
        private final String s;
        private int pos;

        Lexer(String s) {
            this.s = s;
        }

        void skipSpaces() {
            while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t')) {
                pos++;
            }
        }

        void skipSeparators() {
            while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t' || s.charAt(pos) == ',')) {
                pos++;
            }
        }

        String token() {
            int start = pos;
            while (pos < s.length() && "=, \t\"".indexOf(s.charAt(pos)) < 0) {
                pos++;
            }
            return s.substring(start, pos);
        }

        boolean consume(char c) {
            if (pos < s.length() && s.charAt(pos) == c) {
                pos++;
                return true;
            }
            return false;
        }

        String value() {
            if (!consume('"')) {
                return token();
            }
            StringBuilder out = new StringBuilder();
            while (pos < s.length() && s.charAt(pos) != '"') {
                char c = s.charAt(pos++);
                if (c == '\\' && pos < s.length()) {
                    c = s.charAt(pos++);
                }
                out.append(c);
            }
            consume('"');
            return out.toString();
        }
    }
}
