package handlers

import (
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/rustok/rustok-admin/models"
	"github.com/rustok/rustok-admin/views/components"
	nodeviews "github.com/rustok/rustok-admin/views/nodes"
	productviews "github.com/rustok/rustok-admin/views/products"
)

// scheduleCard is the schedule card of a node or product: what is scheduled, in the viewer's
// zone, and the form for a user who may publish.
func (a *App) scheduleCard(c *fiber.Ctx, t *models.Tenant, targetType string, id uuid.UUID, url string, canEdit bool, verb string) (components.Schedule, error) {
	cur, err := a.store.SchedulesOf(ctx(c), t.ID, targetType, id)
	if err != nil {
		return components.Schedule{}, err
	}
	loc := viewerZone(c)
	s := components.Schedule{URL: url, CSRF: a.csrfToken(c), CanEdit: canEdit, Verb: verb, Zone: loc.String(),
		Current: map[string]time.Time{}, Errors: map[string]string{}}
	for action, sc := range cur {
		s.Current[action] = sc.RunAt
	}
	if sc, ok := cur[models.SchedulePublish]; ok {
		s.PublishAt = components.LocalInput(sc.RunAt, loc)
	}
	if sc, ok := cur[models.ScheduleUnpublish]; ok {
		s.Unpublish = components.LocalInput(sc.RunAt, loc)
	}
	return s, nil
}

// saveSchedule reads the schedule form (times in the viewer's zone; empty = none; "clear"
// cancels both) and sets both schedules of the target. It returns the field messages of a
// refused form, having changed nothing, with what was typed.
func (a *App) saveSchedule(c *fiber.Ctx, t *models.Tenant, targetType string, id uuid.UUID) (typed [2]string, errs map[string]string, err error) {
	loc := viewerZone(c)
	errs = map[string]string{}
	var at [2]*time.Time
	if c.FormValue("clear") == "" {
		for i, name := range []string{"publish_at", "unpublish_at"} {
			v := strings.TrimSpace(strings.Clone(c.FormValue(name)))
			typed[i] = v
			if v == "" {
				continue
			}
			ts, perr := time.ParseInLocation("2006-01-02T15:04", v, loc)
			switch {
			case perr != nil:
				errs[name] = "Enter a date and time, such as 2026-12-24 09:00."
			case !ts.After(a.now()):
				errs[name] = "Choose a time in the future."
			default:
				at[i] = &ts
			}
		}
		if at[0] != nil && at[1] != nil && !at[1].After(*at[0]) {
			errs["unpublish_at"] = "Unpublish after it is published."
		}
	}
	if len(errs) > 0 {
		return typed, errs, nil
	}
	u := currentUser(c)
	err = a.jobs.SetSchedules(ctx(c), t, &u.ID, targetType, id,
		map[string]*time.Time{models.SchedulePublish: at[0], models.ScheduleUnpublish: at[1]})
	var ve *models.ValidationError
	if errors.As(err, &ve) { // the time passed between the check and now
		for k, m := range ve.Fields {
			errs[k] = m
		}
		return typed, errs, nil
	} else if err != nil {
		return typed, nil, err
	}
	return typed, nil, nil
}

// nodeSchedulePost sets, changes or cancels a node's publish and unpublish times.
func (a *App) nodeSchedulePost(c *fiber.Ctx) error {
	n, err := a.nodeByParam(c)
	if err != nil {
		return err
	}
	t := currentTenant(c)
	typed, errs, err := a.saveSchedule(c, t, models.ScheduleNode, n.ID)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return a.renderNodeEdit(c, fiber.StatusUnprocessableEntity, n, func(e *nodeviews.Edit) {
			e.Schedule.PublishAt, e.Schedule.Unpublish, e.Schedule.Errors = typed[0], typed[1], errs
		})
	}
	return a.flashRedirect(c, "success", scheduleDone(c), nodeviews.NodeURL(t.Slug, n.ID))
}

// productSchedulePost sets, changes or cancels a product's activate and unpublish times.
func (a *App) productSchedulePost(c *fiber.Ctx) error {
	pr, err := a.productByParam(c)
	if err != nil {
		return err
	}
	t := currentTenant(c)
	typed, errs, err := a.saveSchedule(c, t, models.ScheduleProduct, pr.ID)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return a.renderProductEdit(c, fiber.StatusUnprocessableEntity, pr, func(e *productviews.Edit) {
			e.Schedule.PublishAt, e.Schedule.Unpublish, e.Schedule.Errors = typed[0], typed[1], errs
		})
	}
	return a.flashRedirect(c, "success", scheduleDone(c), productviews.ProductURL(t.Slug, pr.ID))
}

// viewerZone is the zone the viewer's times are in: their stored zone, else UTC (the browser has
// not reported one yet).
func viewerZone(c *fiber.Ctx) *time.Location {
	if loc := components.ZoneFrom(ctx(c)); loc != nil {
		return loc
	}
	return time.UTC
}

func scheduleDone(c *fiber.Ctx) string {
	if c.FormValue("clear") != "" {
		return "Schedule cancelled."
	}
	return "Schedule saved."
}
