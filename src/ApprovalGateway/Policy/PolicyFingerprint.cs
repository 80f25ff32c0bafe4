using System.Security.Cryptography;
using System.Text;

namespace ApprovalGateway.Policy;

/// <summary>
/// The policy an instance has in force, as the instances of a scaled-out gateway compare theirs. They compare the
/// rules' text, line endings and a byte order mark aside, so one file checked out on Windows and on Linux is one
/// policy; people are shown the file's SHA-256, which <c>sha256sum</c> prints and the audit's <c>policy_sha256</c> holds.
/// </summary>
internal sealed record PolicyFingerprint(string Rules, string FileSha256, DateTimeOffset LoadedAt)
{
    public static PolicyFingerprint Of(string text, string fileSha256, DateTimeOffset loadedAt) =>
        new(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\n")))), fileSha256, loadedAt);
}
