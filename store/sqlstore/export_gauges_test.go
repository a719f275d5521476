package sqlstore

// GaugesQuery exposes GaugesGet's query to the plan test.
const GaugesQuery = gaugesQuery
