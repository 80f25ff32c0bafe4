namespace ApprovalGateway.Upstreams;

/// <summary>
/// An HTTP upstream's session ended before this request reached it: the connection was refused (the server is gone),
/// or the server no longer knows the session (it restarted). The upstream certainly did not act on the request, so it
/// may be sent again on a new session. An <see cref="HttpRequestException"/>, which the SDK's client takes for the
/// transport failure it is.
/// </summary>
internal sealed class UpstreamSessionLostException(string reason, HttpRequestError error, Exception? inner = null)
    : HttpRequestException(error, reason, inner)
{
    /// <summary>
    /// Thrown for a POST, a message the upstream never got. One thrown for a GET (the SDK resuming a POST's answer)
    /// says nothing of the POST, which did reach the upstream.
    /// </summary>
    public bool RefusedPost { get; init; }
}
