using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using ApprovalGateway.Policy.Evaluation;

namespace ApprovalGateway.Policy.Parsing;

/// <summary>Parses and validates policy.json text and compiles it, reporting every error with its line.</summary>
public static class PolicyParser
{
    public static PolicyParseResult Parse(string json, string sourceName)
    {
        var utf8 = Encoding.UTF8.GetBytes(json);
        var problems = new List<(int Offset, string Message)>();
        if (SourceReader.HoldsNoValue(utf8))
        {
            // The reader's own words for this ("Expected the input to start with a valid JSON token, when
            // isFinalBlock is true") are about its API, and the file has no line worth naming.
            return new PolicyParseResult(sourceName, null, null, [new PolicyError(0, 0, "the file is empty (only blanks or comments), so it holds no policy")]);
        }

        SourceNode root;
        try
        {
            root = SourceReader.Read(utf8, problems);
        }
        catch (JsonException e)
        {
            var message = e.Message;
            var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            var line = (int)(e.LineNumber ?? 0);
            var column = ColumnOf(utf8, line, (int)(e.BytePositionInLine ?? 0));

            // The line alone leaves a long line to search (a missing comma in a one-line rule), so the column is named.
            var error = new PolicyError(line + 1, column, $"invalid JSON at column {column}: {(cut > 0 ? message[..cut] : message)}");
            return new PolicyParseResult(sourceName, null, null, [error]);
        }

        var warnings = new List<(int Offset, string Message)>();
        var places = new Dictionary<string, int>(StringComparer.Ordinal);
        var document = new DocumentReader(problems, warnings, places).ReadRoot(root);
        var lines = new LineMap(utf8);
        if (problems.Count > 0)
        {
            return new PolicyParseResult(sourceName, null, null, Locate(problems, lines));
        }

        return new PolicyParseResult(sourceName, document, CompiledPolicy.Compile(document, sourceName), [])
        {
            Warnings = Locate(warnings, lines),
            Places = new PolicySourceMap(places, lines),
        };
    }

    /// <summary>The 1-based column, in characters, of a byte position the JSON reader gives within a 0-based line.</summary>
    private static int ColumnOf(byte[] utf8, int line, int bytesInLine)
    {
        var start = 0;
        for (var i = 0; i < line && start < utf8.Length; i++)
        {
            var next = Array.IndexOf(utf8, (byte)'\n', start);
            start = next < 0 ? utf8.Length : next + 1;
        }

        var length = Math.Clamp(bytesInLine, 0, utf8.Length - start);
        return Encoding.UTF8.GetCharCount(utf8, start, length) + 1;
    }

    private static List<PolicyError> Locate(List<(int Offset, string Message)> problems, LineMap lines) =>
        [.. problems
            .OrderBy(p => p.Offset)
            .Select(p =>
            {
                var (line, column) = lines.Locate(p.Offset);
                return new PolicyError(line, column, p.Message);
            })];

    public static PolicyParseResult ParseFile(string path)
    {
        var (text, error) = ReadFile(path);
        return text is null ? Unreadable(path, error!) : Parse(text, path);
    }

    /// <summary>The file's text, or null and why it cannot be read, in words an admin can act on.</summary>
    public static (string? Text, string? Error) ReadFile(string path)
    {
        var (text, error, _) = ReadFileWithSha256(path);
        return (text, error);
    }

    /// <summary>
    /// As <see cref="ReadFile"/>, with the SHA-256 (lowercase hex) of the very bytes the text came from, null when none
    /// could be read: hashing a second read could name bytes other than those applied.
    /// </summary>
    public static (string? Text, string? Error, string? Sha256) ReadFileWithSha256(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // .NET reports a folder as "access denied", which sends an admin to check permissions.
            return (null, e switch
            {
                UnauthorizedAccessException when Directory.Exists(path) => "it is a folder, not a file",
                FileNotFoundException or DirectoryNotFoundException => "no such file",
                _ => e.Message,
            }, null);
        }

        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (bytes is [0xFF, 0xFE, ..] or [0xFE, 0xFF, ..])
        {
            // UTF-16 (or UTF-32) with its byte order mark, as some Windows editors save: that says what it is.
            using var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            return (reader.ReadToEnd(), null, sha256);
        }

        // Strictly: read leniently, a byte of another encoding became U+FFFD, and a condition comparing with
        // 'café' saved as Latin-1 held for no call while the file passed as valid.
        var body = bytes.AsSpan(bytes is [0xEF, 0xBB, 0xBF, ..] ? 3 : 0);
        var chars = new char[body.Length];
        if (Utf8.ToUtf16(body, chars, out var read, out var written, replaceInvalidSequences: false) != OperationStatus.Done)
        {
            var line = body[..read].Count((byte)'\n') + 1;
            return (null, $"line {line} holds a byte that is not UTF-8 (0x{body[read]:X2}); save the file as UTF-8", sha256);
        }

        return (new string(chars, 0, written), null, sha256);
    }

    /// <summary>The result for a policy file that could not be read, with the reason; its error has no line.</summary>
    public static PolicyParseResult Unreadable(string path, string reason) =>
        new(path, null, null, [new PolicyError(0, 0, $"cannot read the policy file: {reason}")]);
}
