package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/zhifa/zhifa/domain"
)

type regionRequest struct {
	Name     string `json:"name" limit:"64"`
	Level    string `json:"level"`
	ParentID string `json:"parent_id" limit:"64"`
	Code     string `json:"code" limit:"12"`
}

type regionResponse struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Level     string    `json:"level"`
	ParentID  string    `json:"parent_id,omitempty"`
	Path      []string  `json:"path"`
	Code      string    `json:"code,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

func toRegionResponse(r *domain.Region) regionResponse {
	return regionResponse{ID: r.ID, Name: r.Name, Level: string(r.Level), ParentID: r.ParentID, Path: r.Path, Code: r.Code, CreatedAt: r.CreatedAt}
}

// CreateJurisdiction adds a region to the jurisdiction tree (省/市/区/镇街); sysadmin only.
func (h *Handlers) CreateJurisdiction(c *fiber.Ctx) error {
	if !principal(c).Has(domain.RoleSysadmin) {
		return forbidden("only a sysadmin maintains the jurisdiction tree")
	}
	var req regionRequest
	if err := Decode(c, &req); err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	var parent *domain.Region
	if req.ParentID != "" {
		var err error
		if parent, err = h.Repo.RegionByID(ctx, req.ParentID); domain.ErrorCode(err) == domain.NotFound {
			return &domain.Error{Code: domain.Invalid, Message: "no such parent", Fields: map[string]string{"parent_id": "not a jurisdiction"}}
		} else if err != nil {
			return err
		}
	}
	r := &domain.Region{Name: req.Name, Level: domain.RegionLevel(req.Level), ParentID: req.ParentID, Code: req.Code}
	if err := r.Validate(parent); err != nil {
		return err
	}
	if err := h.Repo.CreateRegion(ctx, r); err != nil {
		return err
	}
	return created(c, "/v1/jurisdictions/"+r.ID, 1, toRegionResponse(r))
}

// ListJurisdictions lists the children of ?parent_id= (the roots without it). The tree is the
// administrative divisions, public knowledge: any signed-in user reads it.
func (h *Handlers) ListJurisdictions(c *fiber.Ctx) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	ctx, cancel := h.ctx(c)
	defer cancel()
	list, next, err := h.Repo.ListRegions(ctx, c.Query("parent_id"), pg)
	if err != nil {
		return err
	}
	return c.JSON(listOf(list, next, toRegionResponse))
}

// GetJurisdiction reads one region.
func (h *Handlers) GetJurisdiction(c *fiber.Ctx) error {
	ctx, cancel := h.ctx(c)
	defer cancel()
	r, err := h.Repo.RegionByID(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(toRegionResponse(r))
}
