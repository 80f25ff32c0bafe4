namespace ApprovalGateway.ScaleOut;

/// <summary>
/// A PostgreSQL database the settings name could not be used as the gateway started; the message names the setting
/// and the server, never the password. <see cref="NeedsAnAdmin"/> when the server refused the settings themselves (a
/// wrong password, a database that does not exist), which a restart does not mend.
/// </summary>
internal sealed class SharedStorageUnreachableException(string message, bool needsAnAdmin, Exception inner)
    : Exception(message, inner)
{
    public bool NeedsAnAdmin { get; } = needsAnAdmin;
}
