namespace ApprovalGateway.Hosting;

/// <summary>
/// A shared service, besides the upstreams, that an instance cannot do all its work without: <c>/healthz</c> answers
/// degraded while one has a problem, so a load balancer sends agents to an instance that can still hold and limit
/// their calls.
/// </summary>
internal interface IHealthSignal
{
    /// <summary>What is wrong, in words for approvers (<c>/api/health</c>), or null while all is well.</summary>
    string? Problem { get; }

    /// <summary>
    /// False for a problem an approver must fix while the instance still serves every call as it should (a rejected
    /// policy reload, with the last good policy in force): <c>/api/health</c> lists it under warnings and
    /// <c>/healthz</c> stays ok, since another instance would serve no better.
    /// </summary>
    bool Degrades => true;
}
