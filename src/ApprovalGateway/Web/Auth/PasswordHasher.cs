using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ApprovalGateway.Web.Auth;

/// <summary>
/// Approver password hashes: <c>pbkdf2-sha256$&lt;iterations&gt;$&lt;salt, base64&gt;$&lt;hash, base64&gt;</c>, PBKDF2 with
/// HMAC-SHA256, a 16-byte random salt and a 32-byte hash. <c>approval-gateway hash-password</c> writes one.
/// </summary>
internal static class PasswordHasher
{
    public const string Prefix = "pbkdf2-sha256";

    /// <summary>OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256.</summary>
    public const int DefaultIterations = 600_000;

    /// <summary>Below this a stolen hash falls too fast to brute force; the validator refuses it.</summary>
    public const int MinimumIterations = 10_000;

    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    public static string Hash(string password, int iterations = DefaultIterations)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Derive(password, salt, iterations, HashBytes);
        return string.Join('$', Prefix, iterations.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(salt), Convert.ToBase64String(hash));
    }

    public static bool Verify(string password, string encoded) =>
        TryParse(encoded, out var iterations, out var salt, out var expected)
        && CryptographicOperations.FixedTimeEquals(Derive(password, salt, iterations, expected.Length), expected);

    /// <summary>Spends the same work as a real check, so an unknown name takes as long as a wrong password.</summary>
    public static void Waste(string password) => Derive(password, new byte[SaltBytes], DefaultIterations, HashBytes);

    public static bool TryParse(string? encoded, out int iterations, out byte[] salt, out byte[] hash)
    {
        (iterations, salt, hash) = (0, [], []);
        var parts = encoded?.Split('$');
        if (parts is not [Prefix, var count, var saltText, var hashText]
            || !int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out iterations)
            || iterations < 1)
        {
            return false;
        }

        try
        {
            (salt, hash) = (Convert.FromBase64String(saltText), Convert.FromBase64String(hashText));
        }
        catch (FormatException)
        {
            return false;
        }

        return salt.Length > 0 && hash.Length >= 16;
    }

    private static byte[] Derive(string password, byte[] salt, int iterations, int length) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, length);
}
