"""The portal's forms (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)
from wtforms.widgets import CheckboxInput, ListWidget

from skill.aftercare import PatientSheet

MIN_PASSWORD_LENGTH = 12


@cache
def time_zone_choices() -> list[str]:
    # Only real places: the Etc/ and legacy aliases would only confuse a picker.
    return sorted(zone for zone in available_timezones() if "/" in zone and "Etc/" not in zone)


class SignInForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])


class ChoosePasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=256)],
        description=f"At least {MIN_PASSWORD_LENGTH} characters.",
    )
    repeated = PasswordField(
        "The same password again",
        validators=[DataRequired(), EqualTo("password", message="The passwords differ.")],
    )


class PatientForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    clinic_reference = StringField(
        "Clinic reference",
        validators=[Optional(), Length(max=64)],
        description="Your own record number, if you use one.",
    )
    date_of_birth = DateField(
        "Date of birth",
        validators=[Optional()],
        description="She will confirm it when she links her Alexa account.",
    )


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes in a list: every option visible and reachable by keyboard."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TreatmentForm(FlaskForm):
    treated_on = DateField("Date", validators=[InputRequired()])
    treated_at = TimeField("Time", validators=[InputRequired()])
    timezone = SelectField("Time zone", validators=[DataRequired()])
    treated_areas = MultiCheckboxField(
        "Treated areas", validators=[DataRequired(message="Choose at least one area.")]
    )
    session_number = IntegerField(
        "Session number",
        validators=[InputRequired(), NumberRange(min=1, max=99)],
        description="Filled in from her history; change it if she had sessions elsewhere.",
    )
    confirm_unusual = BooleanField("Yes, record it as entered")

    def offer(self, sheet: PatientSheet) -> TreatmentForm:
        """The choices: every time zone, and the sheet's targeted areas."""
        self.timezone.choices = time_zone_choices()
        self.treated_areas.choices = [(a.id, a.label) for a in sheet.targets.listed]
        return self


class StaffForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=320)])
    is_admin = BooleanField("Can add and remove staff")


class ConfirmForm(FlaskForm):
    """A button that changes something: only its CSRF token matters."""


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a search changes nothing and belongs in a shareable URL

    q = SearchField("Name or clinic reference", validators=[Optional(), Length(max=200)])
