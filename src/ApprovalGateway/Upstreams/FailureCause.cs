namespace ApprovalGateway.Upstreams;

/// <summary>
/// Says why an exception happened, for an upstream's down reason. HttpClient's own message is the same whatever went
/// wrong ("An error occurred while sending the request."); the cause an admin can act on ("Connection refused", "The
/// response ended prematurely") is in its inner exceptions, so the innermost one that says more is added to it.
/// </summary>
internal static class FailureCause
{
    public static string Describe(Exception exception)
    {
        var innermost = exception;
        while (innermost.InnerException is { } inner)
        {
            innermost = inner;
        }

        var cause = Trim(Message(innermost));
        return cause.Length == 0 || exception.Message.Contains(cause, StringComparison.OrdinalIgnoreCase)
            ? exception.Message
            : $"{Trim(exception.Message)}: {cause}";
    }

    // HttpIOException appends its HttpRequestError to its message ("... prematurely. (ResponseEnded)"): a code for developers.
    private static string Message(Exception exception) =>
        exception is HttpIOException io && exception.Message.EndsWith($" ({io.HttpRequestError})", StringComparison.Ordinal)
            ? exception.Message[..^$" ({io.HttpRequestError})".Length]
            : exception.Message;

    private static string Trim(string message) => message.Trim().TrimEnd('.');
}
