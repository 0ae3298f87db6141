package core

import "github.com/cairn-sd/cairn/catalog"

// Maintenance mode, as in Consul, is a critical check the agent adds: on
// the node it takes every service of the node out of ?passing and DNS; on
// one service it takes that service out. Ending maintenance removes the
// check.

// Maintenance check IDs and default reasons, as Consul names them.
const (
	NodeMaintenanceCheckID       = "_node_maintenance"
	serviceMaintenancePrefix     = "_service_maintenance:"
	defaultNodeMaintenanceReason = "Maintenance mode is enabled for this node, " +
		"but no reason was provided. This is a default message."
	defaultServiceMaintenanceReason = "Maintenance mode is enabled for this service, " +
		"but no reason was provided. This is a default message."
)

// ServiceMaintenanceCheckID is the ID of service id's maintenance check.
func ServiceMaintenanceCheckID(id string) string { return serviceMaintenancePrefix + id }

// SetNodeMaintenance turns node maintenance on (with reason as the
// check's notes) or off.
func (l *Local) SetNodeMaintenance(on bool, reason string) error {
	if !on {
		if l.checks[NodeMaintenanceCheckID] == nil {
			return nil
		}
		return l.RemoveCheck(NodeMaintenanceCheckID)
	}
	if reason == "" {
		reason = defaultNodeMaintenanceReason
	}
	return l.AddCheck(LocalCheck{HealthCheck: catalog.HealthCheck{
		CheckID: NodeMaintenanceCheckID, Name: "Node Maintenance Mode", Notes: reason,
		Status: catalog.HealthCritical, Type: "maintenance",
	}})
}

// SetServiceMaintenance turns maintenance of service id on or off.
func (l *Local) SetServiceMaintenance(id string, on bool, reason string) error {
	if l.services[id] == nil {
		return ErrUnknownService
	}
	checkID := ServiceMaintenanceCheckID(id)
	if !on {
		if l.checks[checkID] == nil {
			return nil
		}
		return l.RemoveCheck(checkID)
	}
	if reason == "" {
		reason = defaultServiceMaintenanceReason
	}
	return l.AddCheck(LocalCheck{HealthCheck: catalog.HealthCheck{
		CheckID: checkID, Name: "Service Maintenance Mode", Notes: reason, ServiceID: id,
		Status: catalog.HealthCritical, Type: "maintenance",
	}})
}
