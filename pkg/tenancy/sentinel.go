package tenancy

// Error is the type of this package's sentinel errors: constants, so no code can replace them,
// and comparable, so errors.Is finds them through %w wrapping.
type Error string

func (e Error) Error() string { return string(e) }
