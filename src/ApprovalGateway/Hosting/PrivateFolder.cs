namespace ApprovalGateway.Hosting;

/// <summary>
/// A folder the gateway creates for its own user alone (0700 on Unix): the sign-in keys are not encrypted at rest, and
/// audit records hold call arguments. One that already exists keeps the mode an admin gave it.
/// </summary>
internal static class PrivateFolder
{
    public static DirectoryInfo Create(string path) =>
        OperatingSystem.IsWindows()
            ? Directory.CreateDirectory(path)
            : Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
}
