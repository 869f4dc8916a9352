/// `count` and a noun in the singular or plural as the count needs: "1 incident", "3 incidents".
/// `plural` defaults to the noun with an "s".
public func counted(_ count: Int, _ noun: String, plural: String? = nil) -> String {
    "\(count) \(count == 1 ? noun : plural ?? noun + "s")"
}
