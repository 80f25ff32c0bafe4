namespace ApprovalGateway.Audit;

/// <summary>The newest records in memory, so the page's first paint never reads the file.</summary>
internal sealed class AuditRing(int capacity)
{
    private readonly AuditRecord[] items = new AuditRecord[capacity];
    private readonly Lock gate = new();
    private int next;
    private int count;

    public void Add(AuditRecord record)
    {
        lock (gate)
        {
            items[next] = record;
            next = (next + 1) % items.Length;
            count = Math.Min(count + 1, items.Length);
        }
    }

    public IReadOnlyList<AuditRecord> Newest(int limit)
    {
        lock (gate)
        {
            var take = Math.Clamp(limit, 0, count);
            var result = new AuditRecord[take];
            for (var i = 0; i < take; i++)
            {
                result[i] = items[(next - 1 - i + items.Length) % items.Length];
            }

            return result;
        }
    }
}
