package experiment

// Location says where the target's controller ran, as /version reported it:
// "colo SJC, US", "colo SJC", "country US", or "" when it did not say.
func (v *TargetVersion) Location() string {
	if v == nil {
		return ""
	}
	switch {
	case v.Colo != "" && v.Country != "":
		return "colo " + v.Colo + ", " + v.Country
	case v.Colo != "":
		return "colo " + v.Colo
	case v.Country != "":
		return "country " + v.Country
	}
	return ""
}

// SameLocation reports whether two targets ran in the same place; ok is
// false when either did not say (nothing can be told).
func SameLocation(a, b *TargetVersion) (same, ok bool) {
	la, lb := a.Location(), b.Location()
	if la == "" || lb == "" {
		return false, false
	}
	return la == lb, true
}
