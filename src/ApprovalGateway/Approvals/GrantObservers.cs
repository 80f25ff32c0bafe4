using Microsoft.Extensions.Logging;

namespace ApprovalGateway.Approvals;

internal static class GrantObservers
{
    /// <summary>Tells every observer that the grant of approval <paramref name="approvalId"/> was given or ended; a failing one is logged, not rethrown.</summary>
    public static void Notify(IEnumerable<IGrantObserver> observers, string approvalId, ILogger logger)
    {
        foreach (var observer in observers)
        {
            try
            {
                observer.OnGrantsChanged();
            }
            catch (Exception ex)
            {
                Log.ObserverFailed(logger, ex, observer.GetType().Name, approvalId);
            }
        }
    }

    /// <summary>Tells every observer of grants given of <paramref name="grant"/>; a failing one is logged, not rethrown.</summary>
    public static void NotifyGiven(IEnumerable<IGrantGivenObserver> observers, ApprovalGrant grant, ILogger logger)
    {
        foreach (var observer in observers)
        {
            try
            {
                observer.OnGrantGiven(grant);
            }
            catch (Exception ex)
            {
                Log.ObserverFailed(logger, ex, observer.GetType().Name, grant.ApprovalId);
            }
        }
    }
}
