using ApprovalGateway.Web.Auth;

namespace ApprovalGateway.Cli;

/// <summary><c>approval-gateway hash-password</c>: prints the value for <c>Approvers:{name}:PasswordHash</c>.</summary>
internal static class HashPasswordCommand
{
    public static int Run(string password, TextWriter output)
    {
        if (string.IsNullOrEmpty(password))
        {
            output.WriteLine("hash-password: the password is empty; give a non-empty password.");
            return 1;
        }

        output.WriteLine(PasswordHasher.Hash(password));
        return 0;
    }
}
