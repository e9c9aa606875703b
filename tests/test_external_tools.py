"""Files written from the generated classes, checked by tools nobody here wrote:
dicom3tools' dciodvfy (the IOD validator) and dcmtk's dcmdump."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from dicom_model.macros.ct_image_frame_type_macro import CTImageFrameTypeMacroCTImageFrameTypeSequenceItem
from dicom_model.macros.ct_pixel_value_transformation_macro import CTPixelValueTransformationMacroPixelValueTransformationSequenceItem
from dicom_model.macros.frame_anatomy_macro import FrameAnatomyMacroFrameAnatomySequenceItem
from dicom_model.macros.frame_content_macro import FrameContentMacroFrameContentSequenceItem
from dicom_model.macros.general_anatomy_mandatory_macro import GeneralAnatomyMandatoryMacroAnatomicRegionSequenceItem
from dicom_model.macros.irradiation_event_identification_macro import IrradiationEventIdentificationMacroIrradiationEventIdentificationSequenceItem
from dicom_model.macros.pixel_measures_macro import PixelMeasuresMacroPixelMeasuresSequenceItem
from dicom_model.macros.plane_orientation_patient_macro import PlaneOrientationPatientMacroPlaneOrientationSequenceItem
from dicom_model.macros.plane_position_patient_macro import PlanePositionPatientMacroPlanePositionSequenceItem
from dicom_model.modules.multi_frame_dimension_module import MultiFrameDimensionModuleDimensionIndexSequenceItem, MultiFrameDimensionModuleDimensionOrganizationSequenceItem
from dicom_model.iods.enhanced_ct_image import EnhancedCTImage
from dicom_model.iods.enhanced_ct_image import EnhancedCTImagePerFrameFunctionalGroupsSequenceItem as PerFrame
from dicom_model.iods.enhanced_ct_image import EnhancedCTImageSharedFunctionalGroupsSequenceItem as Shared
from dicom_model import tags
from dicom_runtime.dataset import DataElement, Dataset
from dicom_runtime.fileformat import read_file
from dicom_runtime.typed import NonConformantError, from_dataset, read, write
from tests.test_iod_classes import _ct


def enhanced_ct(frames: int = 2) -> EnhancedCTImage:
    """An Enhanced CT Image with every Type 1 and 2 attribute, and the 1C/2C ones dciodvfy wants."""
    region = GeneralAnatomyMandatoryMacroAnatomicRegionSequenceItem(
        CodeValue="T-D3000", CodingSchemeDesignator="SRT", CodeMeaning="Chest"
    )
    shared = Shared(
        PixelMeasuresSequence=[PixelMeasuresMacroPixelMeasuresSequenceItem(PixelSpacing=[0.5, 0.5], SliceThickness=1.0)],
        PlaneOrientationSequence=[PlaneOrientationPatientMacroPlaneOrientationSequenceItem(ImageOrientationPatient=[1.0, 0.0, 0.0, 0.0, 1.0, 0.0])],
        FrameAnatomySequence=[FrameAnatomyMacroFrameAnatomySequenceItem(FrameLaterality="U", AnatomicRegionSequence=[region])],
        IrradiationEventIdentificationSequence=[IrradiationEventIdentificationMacroIrradiationEventIdentificationSequenceItem(IrradiationEventUID=["1.2.3.9"])],
        CTImageFrameTypeSequence=[CTImageFrameTypeMacroCTImageFrameTypeSequenceItem(
            FrameType=("DERIVED", "PRIMARY", "AXIAL", "NONE"), PixelPresentation="MONOCHROME", VolumetricProperties="VOLUME", VolumeBasedCalculationTechnique="NONE")],
        PixelValueTransformationSequence=[CTPixelValueTransformationMacroPixelValueTransformationSequenceItem(RescaleIntercept=-1024.0, RescaleSlope=1.0, RescaleType="HU")],
    )
    per_frame = [
        PerFrame(
            FrameContentSequence=[FrameContentMacroFrameContentSequenceItem(DimensionIndexValues=[i + 1])],
            PlanePositionSequence=[PlanePositionPatientMacroPlanePositionSequenceItem(ImagePositionPatient=[0.0, 0.0, float(i)])],
        )
        for i in range(frames)
    ]
    return EnhancedCTImage(
        PatientName="Doe^Jane", PatientID="P1", PatientBirthDate=None, PatientSex="F",
        StudyInstanceUID="1.2.3", StudyDate="20240101", StudyTime="120000", ReferringPhysicianName=None,
        StudyID="S1", AccessionNumber=None, Modality="CT", SeriesInstanceUID="1.2.3.4", SeriesNumber=1,
        FrameOfReferenceUID="1.2.3.5", PositionReferenceIndicator=None,
        Manufacturer="ACME", ManufacturerModelName="Model", DeviceSerialNumber="123", SoftwareVersions=["1.0"],
        SamplesPerPixel=1, PhotometricInterpretation="MONOCHROME2", Rows=4, Columns=4, BitsAllocated=16,
        BitsStored=12, HighBit=11, PixelRepresentation=0,
        SharedFunctionalGroupsSequence=[shared], PerFrameFunctionalGroupsSequence=per_frame,
        InstanceNumber=1, ContentDate="20240101", ContentTime="120000", NumberOfFrames=frames,
        DimensionOrganizationSequence=[MultiFrameDimensionModuleDimensionOrganizationSequenceItem(DimensionOrganizationUID="1.2.3.7")],
        DimensionIndexSequence=[MultiFrameDimensionModuleDimensionIndexSequenceItem(
            DimensionIndexPointer=0x00200032, FunctionalGroupPointer=0x00209113, DimensionOrganizationUID="1.2.3.7")],
        AcquisitionContextSequence=[],
        ImageType=["DERIVED", "PRIMARY", "AXIAL", "NONE"], PixelPresentation="MONOCHROME", VolumetricProperties="VOLUME",
        VolumeBasedCalculationTechnique="NONE", PresentationLUTShape="IDENTITY",
        SOPClassUID="1.2.840.10008.5.1.4.1.1.2.1", SOPInstanceUID="1.2.3.8",
        PixelData=bytes(4 * 4 * 2 * frames),
        BurnedInAnnotation="NO", ContentQualification="PRODUCT", ImageComments=None,
        PatientPosition="HFS", LossyImageCompression="00",
    )



def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: bash .ci/install installs dcmtk and dicom3tools")
    return found


@pytest.fixture(scope="module")
def ct_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ct") / "ct.dcm"
    # Every Type 1 and 2 attribute filled; the 2C attributes dciodvfy wants present too.
    write(_ct(Laterality="", PatientPosition="HFS", StudyTime="120000"), path)
    return path


def test_dciodvfy_finds_no_error_in_a_ct_image(ct_file: Path) -> None:
    result = subprocess.run([_tool("dciodvfy"), str(ct_file)], capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert "CTImage" in output
    errors = [line for line in output.splitlines() if line.startswith("Error")]
    assert errors == [], output


def test_dcmdump_reads_it_without_complaint(ct_file: Path) -> None:
    result = subprocess.run([_tool("dcmdump"), str(ct_file)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "E:" not in result.stderr and "W:" not in result.stderr, result.stderr
    assert "(0010,0010) PN [Doe^Jane]" in result.stdout
    assert "(7fe0,0010) OW" in result.stdout
    assert "(0002,0012) UI [2.25.234007163342352280788179250500784768237]" in result.stdout


@pytest.fixture(scope="module")
def enhanced_ct_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ect") / "enhanced_ct.dcm"
    image = enhanced_ct()
    assert image.errors() == []
    write(image, path)
    return path


def test_dciodvfy_finds_no_error_in_an_enhanced_ct_image(enhanced_ct_file: Path) -> None:
    result = subprocess.run([_tool("dciodvfy"), str(enhanced_ct_file)], capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert "EnhancedCTImage" in output
    errors = [line for line in output.splitlines() if line.startswith("Error")]
    assert errors == [], output


def test_dcmdump_reads_the_enhanced_ct_image(enhanced_ct_file: Path) -> None:
    result = subprocess.run([_tool("dcmdump"), str(enhanced_ct_file)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "E:" not in result.stderr, result.stderr
    assert "(5200,9229) SQ" in result.stdout and "(5200,9230) SQ" in result.stdout


def test_a_value_typed_by_position_reads_back_as_its_tuple(enhanced_ct_file: Path) -> None:
    """Frame Type (VM 4, Enumerated Values per value) is a tuple in the annotations, and a
    tuple after reading; a file whose Frame Type has another number of values is refused."""
    image = read(enhanced_ct_file, EnhancedCTImage)
    item = image.SharedFunctionalGroupsSequence[0].CTImageFrameTypeSequence
    assert item is not None and item[0].FrameType == ("DERIVED", "PRIMARY", "AXIAL", "NONE")
    dataset = read_file(enhanced_ct_file).dataset
    shared = dataset.value(0x52009229)
    assert isinstance(shared, list) and isinstance(shared[0], Dataset)
    frame_type = shared[0].value(tags.CTImageFrameTypeSequence)
    assert isinstance(frame_type, list) and isinstance(frame_type[0], Dataset)
    frame_type[0][0x00089007] = DataElement(0x00089007, "CS", ["DERIVED", "PRIMARY", "AXIAL"])
    with pytest.raises(NonConformantError, match=r"FrameType \(0008,9007\) has 3 value\(s\); its VM is 4"):
        from_dataset(EnhancedCTImage, dataset)
