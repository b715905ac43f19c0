// Package rules is Lifeline's entitlement engine: the law of eight benefits,
// with every rate read from dated, sourced parameters and every result
// explained step by step with citations.
//
// The core is pure: no I/O, no clock, no globals changed at run time. An
// Engine holds parameters; Engine.Rates resolves them once for a period and
// Rates.Compute works out one household without allocating when explanations
// are off, which is what the microsimulator relies on. Engine.Calculate is the
// explained path behind "lifeline calc" and POST /v1/calculate.
//
// Money is integer pence throughout. Where the legislation divides, the
// rounding rule is applied where the division happens and cited there.
package rules
