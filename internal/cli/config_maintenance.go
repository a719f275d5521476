package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/flowgate/flowgate"
	"github.com/flowgate/flowgate/flowtype"
)

// maintenanceFlags are the settings of the periodic maintenance serve runs
// on the elected leader (flowgate.Engine.RunMaintenance): the scheduled
// cleanup of finished instances. auto_cleanup_completed, older, stays in
// serviceFlags. The file keys are registered in init.
type maintenanceFlags struct {
	CleanupSchedule string   `help:"Clean up finished instances this often, such as 24h (empty: no scheduled cleanup; 'flowgate cleanup' still works)." env:"FLOWGATE_CLEANUP_SCHEDULE"`
	CleanupDays     int      `help:"Periodic cleanups keep instances finished in the last N days." default:"30" env:"FLOWGATE_CLEANUP_DAYS"`
	CleanupStatuses []string `help:"Finished statuses the scheduled cleanup deletes: completed, rejected, withdrawn." default:"completed,rejected,withdrawn" env:"FLOWGATE_CLEANUP_STATUSES"`
}

func init() {
	flagKeys["cleanup-schedule"] = "cleanup.schedule"
	flagKeys["cleanup-days"] = "cleanup.days"
	flagKeys["cleanup-statuses"] = "cleanup.statuses"
}

// cleanupConfig is the file's cleanup section.
type cleanupConfig struct {
	Schedule scheduleText `json:"schedule"`
	Days     int          `json:"days"`
	Statuses []string     `json:"statuses"`
}

// scheduleText is an interval written as text ("24h"), or empty for none.
type scheduleText string

const scheduleReason = "want a positive duration such as 24h, or empty for no scheduled cleanup"

func (s *scheduleText) UnmarshalJSON(b []byte) error {
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return errors.New(scheduleReason)
	}
	if _, err := parseSchedule(v); err != nil {
		return err
	}
	*s = scheduleText(v)
	return nil
}

// parseSchedule returns the interval, 0 for "".
func parseSchedule(v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, errors.New(scheduleReason)
	}
	return d, nil
}

// cleanupSection is the cleanup section of the effective configuration.
func (f *maintenanceFlags) cleanupSection() cleanupConfig {
	return cleanupConfig{Schedule: scheduleText(f.CleanupSchedule), Days: f.CleanupDays, Statuses: f.CleanupStatuses}
}

// checkCleanup adds the problems of the cleanup settings.
func (c *fileConfig) checkCleanup(add func(path, format string, a ...any)) {
	if _, err := parseSchedule(string(c.Cleanup.Schedule)); err != nil {
		add("cleanup.schedule", "%v", err)
	}
	if c.Cleanup.Days < 1 {
		add("cleanup.days", "must be 1 or more (got %d)", c.Cleanup.Days)
	}
	for i, s := range c.Cleanup.Statuses {
		if !flowtype.Status(s).Finished() {
			add(fmt.Sprintf("cleanup.statuses[%d]", i), "%q is not a finished status: want completed, rejected or withdrawn", s)
		}
	}
}

// listLeaf is a list of strings as the resolver hands it to kong (which
// splits on commas); ok is false for an empty list (the default applies)
// or one that holds anything but strings.
func listLeaf(v []any) (string, bool) {
	parts := make([]string, 0, len(v))
	for _, x := range v {
		s, ok := x.(string)
		if !ok {
			return "", false
		}
		parts = append(parts, strings.ReplaceAll(s, ",", `\,`))
	}
	return strings.Join(parts, ","), len(parts) > 0
}

// maintenanceConfig maps the settings onto the engine's MaintenanceConfig
// (the settings are checked before).
func maintenanceConfig(c *fileConfig) *flowgate.MaintenanceConfig {
	m := &flowgate.MaintenanceConfig{CleanupDays: c.Cleanup.Days, AutoCleanupCompleted: c.AutoCleanupCompleted}
	m.CleanupInterval, _ = parseSchedule(string(c.Cleanup.Schedule))
	for _, s := range c.Cleanup.Statuses {
		m.CleanupStatuses = append(m.CleanupStatuses, flowtype.Status(s))
	}
	return m
}

// startMaintenance runs the engine's periodic maintenance until ctx ends;
// the channel receives what RunMaintenance returned.
func startMaintenance(ctx context.Context, e *flowgate.Engine, c *fileConfig) <-chan error {
	done := make(chan error, 1)
	go func() { done <- e.RunMaintenance(ctx, maintenanceConfig(c)) }()
	return done
}

// awaitMaintenance waits for the maintenance to stop (cancelling its
// context interrupts the pass in progress), at most until deadline ends.
func awaitMaintenance(deadline context.Context, done <-chan error) error {
	select {
	case err := <-done:
		return err
	case <-deadline.Done():
		return errors.New("maintenance did not stop within the shutdown timeout")
	}
}
