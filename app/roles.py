"""The roles a membership can have, each named once.

Guards, services and the demo use these constants; the strings are what the memberships
table stores, so they never change. Program staff (program_admin, community_maker) reach
every organization (app.tenancy).
"""

PROGRAM_ADMIN = "program_admin"
COMMUNITY_MAKER = "community_maker"
HR_MANAGER = "hr_manager"
EMPLOYEE = "employee"
SCHOOL_COORDINATOR = "school_coordinator"
CIVIC_CENTER_OPERATOR = "civic_center_operator"

ROLES = (
    PROGRAM_ADMIN,
    COMMUNITY_MAKER,
    HR_MANAGER,
    EMPLOYEE,
    SCHOOL_COORDINATOR,
    CIVIC_CENTER_OPERATOR,
)
