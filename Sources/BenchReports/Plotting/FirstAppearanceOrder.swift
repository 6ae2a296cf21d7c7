extension Sequence where Element: Hashable {
    /// The distinct elements in the order they first appear, so plots list series and groups
    /// in the order the caller supplied them.
    func distinctInFirstAppearanceOrder() -> [Element] {
        var seen: Set<Element> = []
        return filter { seen.insert($0).inserted }
    }
}
