import Foundation

/// Who a timeline entry is written by: `--author`, else `$INCIDENT_AUTHOR`, else the `user.name` of git's
/// system and global configuration files, else `$USER`.
public enum Author {
    public static func resolve(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> String
    {
        for candidate in [explicit, environment["INCIDENT_AUTHOR"]] {
            if let name = candidate?.trimmingCharacters(in: .whitespacesAndNewlines), !name.isEmpty { return name }
        }
        if let name = gitUserName(environment: environment), !name.isEmpty { return name }
        return environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "unknown"
    }

    /// `user.name` as git reads it from its system, XDG and global files, the later winning, read directly:
    /// running `git config` would cost a process start on every command. A repository's own settings and
    /// `include` directives are not followed.
    static func gitUserName(environment: [String: String]) -> String? {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let xdg = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.config"
        let files = [
            environment["GIT_CONFIG_SYSTEM"] ?? "/etc/gitconfig", xdg + "/git/config",
            environment["GIT_CONFIG_GLOBAL"] ?? home + "/.gitconfig",
        ]
        return files.compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }.compactMap(userName(inGitConfig:))
            .last
    }

    /// The last `name` of a `[user]` section in the text of a git configuration file.
    static func userName(inGitConfig text: String) -> String? {
        var inUser = false
        var name: String?
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("[") {
                inUser =
                    trimmed.dropFirst().prefix { $0 != "]" }.trimmingCharacters(in: .whitespaces).lowercased() == "user"
            } else if inUser, let equals = trimmed.firstIndex(of: "="),
                trimmed[..<equals].trimmingCharacters(in: .whitespaces).lowercased() == "name"
            {
                var value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                    value = String(value.dropFirst().dropLast())
                }
                name = value
            }
        }
        return name
    }
}
