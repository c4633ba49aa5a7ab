// Package project holds weir's stateless row operators: Filter (WHERE,
// HAVING) and Project (SELECT lists, pre-aggregation columns). Both run
// compiled expressions (operators/expr) vector-at-a-time and never copy
// rows: Filter narrows the selection vector, Project computes new columns
// over the same row indexes.
package project
